import type { ErrorCode } from "./wire.ts";

/**
 * The one shape of every error a caller branches on, in every component: a stable
 * `code` and a user-facing `message` that says what to do. Never carries a secret value.
 * Each component narrows `C` to its own code union and maps codes to the wire, an LSP
 * diagnostic, an exit status or a notification in one place.
 */
export class CodedError<C extends string> extends Error {
  /** The stable code callers branch on. */
  readonly code: C;

  constructor(name: string, code: C, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // Set explicitly: minified bundles rename classes.
    this.name = name;
    this.code = code;
  }
}

/** An error with a wire protocol code (docs/architecture.md#errors): what the broker answers and clients read. */
export class RemoError extends CodedError<ErrorCode> {
  /** Seconds to wait before retrying, for `rate_limited`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { retryAfterSeconds?: number; cause?: unknown }) {
    super("RemoError", code, message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** True when `e` is a {@link RemoError}, optionally with the given code. */
export function isRemoError(e: unknown, code?: ErrorCode): e is RemoError {
  return e instanceof RemoError && (code === undefined || e.code === code);
}
