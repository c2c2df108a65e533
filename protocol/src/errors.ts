import type { ErrorCode } from "./wire.ts";

/**
 * An error a caller can branch on: a stable `code` from the wire protocol and a
 * user-facing `message` that says what to do. Never carries a secret value.
 */
export class RemoError extends Error {
  /** The stable code that is sent on the wire or mapped to a notification. */
  readonly code: ErrorCode;
  /** Seconds to wait before retrying, for `rate_limited`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { retryAfterSeconds?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RemoError";
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** True when `e` is a {@link RemoError}, optionally with the given code. */
export function isRemoError(e: unknown, code?: ErrorCode): e is RemoError {
  return e instanceof RemoError && (code === undefined || e.code === code);
}
