// Errors of talking to a node, each with a message that says what to do (mapped to a notification once, by the caller).
import { CodedError, type ErrorCode } from "#protocol";

/** Why an operation on a node failed. */
export type NodeErrorCode = "host_key_changed" | "recipient_changed" | "not_pinned" | "ssh_auth_failed" | "ssh_unreachable"
  | "broker_missing" | "sudo_required" | "broker_error" | "timeout" | "project_conflict";

/** A failure talking to a node. Never carries a secret value or ciphertext. */
export class NodeError extends CodedError<NodeErrorCode> {
  /** The broker's wire code when `code` is `broker_error`. */
  readonly brokerCode?: ErrorCode;

  constructor(code: NodeErrorCode, message: string, options?: { brokerCode?: ErrorCode; cause?: unknown }) {
    super("NodeError", code, message, options);
    if (options?.brokerCode !== undefined) this.brokerCode = options.brokerCode;
  }
}

/**
 * True when `e` is a {@link NodeError}, optionally with the given code. Checked by name, not
 * `instanceof`: the SSH side is a separate, lazily loaded bundle with its own copy of this class.
 */
export function isNodeError(e: unknown, code?: NodeErrorCode): e is NodeError {
  if (!(e instanceof Error) || e.name !== "NodeError") return false;
  const found: unknown = (e as { code?: unknown }).code;
  return typeof found === "string" && (code === undefined || found === code);
}
