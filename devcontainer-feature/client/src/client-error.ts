import { CodedError, type ErrorCode } from "#protocol/wire";

/** Failures only the client can see: they never travel on the wire. */
export type LocalErrorCode =
  | "usage"
  | "unreachable"
  | "not_mounted"
  | "permission_denied"
  | "protocol_mismatch"
  | "timeout"
  | "connection_lost"
  | "unusable_value"
  | "spawn_failed";

/** Every code a client command can fail with: the broker's wire codes plus the local ones. */
export type ClientErrorCode = ErrorCode | LocalErrorCode;

/**
 * A failure with a stable code and a user-facing message that says what to do.
 * It never carries a secret value: only names, paths and codes.
 */
export class ClientError extends CodedError<ClientErrorCode> {
  /** For `rate_limited`: how long the broker asked us to wait. */
  readonly retryAfterSeconds: number | undefined;

  /** `code` is stable: exit-codes.ts maps it to the process exit status. */
  constructor(code: ClientErrorCode, message: string, retryAfterSeconds?: number) {
    super("ClientError", code, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** True when `e` is a {@link ClientError}, optionally with the given code. */
export function isClientError(e: unknown, code?: ClientErrorCode): e is ClientError {
  return e instanceof ClientError && (code === undefined || e.code === code);
}
