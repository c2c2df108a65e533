import type { ErrorCode } from "#protocol/wire";
import { ClientError, type ClientErrorCode } from "./client-error.ts";

/** What a message may mention: names, paths and numbers, never a value. */
export interface ErrorContext {
  socketPath?: string;
  name?: string;
  uid?: number;
  /** A system error code (ENOENT) or the broker's protocol version. */
  detail?: string;
  seconds?: number;
}

interface ExitEntry {
  /** The process exit status. */
  status: number;
  /** A sentence that says what happened and what to do. */
  message: (c: ErrorContext) => string;
}

const pushHint = "run 'Remo: Push Secrets' in VS Code on your laptop";
const sock = (c: ErrorContext): string => c.socketPath ?? "the broker socket";
const secret = (c: ErrorContext): string => (c.name === undefined ? "this secret" : `"${c.name}"`);

/**
 * The one table from error code to exit status and message. Statuses are stable:
 * scripts branch on them (README lists them). 1 is the catch-all.
 */
export const exitTable: Record<ClientErrorCode, ExitEntry> = {
  usage: { status: 2, message: (c) => `${c.detail ?? "bad arguments"}: run 'remo-secrets --help' for usage` },
  denied: {
    status: 3,
    message: (c) => `${secret(c)} is not on this project's allowlist: add it to [allowlist] secrets in .devcontainer/remo-broker.toml, then ${pushHint}`,
  },
  not_found: {
    status: 4,
    message: (c) => (c.name === undefined ? `no secrets pushed yet: ${pushHint}` : `no value for ${secret(c)} has been pushed yet: ${pushHint}`),
  },
  unreachable: {
    status: 5,
    message: (c) => c.detail === "ECONNREFUSED"
      // A restarted broker makes a new socket; a bind-mounted socket file still points at the old one.
      ? `cannot reach the Remo broker at ${sock(c)} (ECONNREFUSED): the broker is not running, or it restarted after this container started; check 'systemctl status remo-broker' on the node, then restart the container (a bind-mounted socket file keeps pointing at the old socket)`
      : `cannot reach the Remo broker at ${sock(c)} (${c.detail ?? "no answer"}): check that the broker runs on the node ('systemctl status remo-broker') and that this container mounts the project socket (run 'Remo: Synthesize Devcontainer', then rebuild the container)`,
  },
  not_mounted: {
    status: 5,
    message: (c) => `there is no broker socket at ${sock(c)}: this container does not mount the project socket; run 'Remo: Synthesize Devcontainer' in VS Code (it adds the mount), then rebuild the container`,
  },
  connection_lost: {
    status: 5,
    message: (c) => `the Remo broker at ${sock(c)} closed the connection before answering (it may be restarting): try again in a few seconds`,
  },
  permission_denied: {
    status: 5,
    message: (c) => `permission denied on ${sock(c)}: the socket belongs to another user; re-register the project on the node with socket_owner set to this container user's uid:gid (uid ${c.uid ?? "?"})`,
  },
  peer_unexpected: {
    status: 5,
    message: (c) => `the broker does not accept connections from uid ${c.uid ?? "?"}: add this uid to peer_uids when registering the project on the node`,
  },
  protocol_mismatch: {
    status: 6,
    message: (c) => `the broker at ${sock(c)} speaks ${c.detail ?? "another protocol"}, this client speaks protocol version 2: update the remo-secrets feature (rebuild the container) or the broker on the node so that they match`,
  },
  protocol_error: {
    status: 6,
    message: () => "the broker rejected a request as malformed: update the remo-secrets feature (rebuild the container) so that client and broker match",
  },
  rate_limited: {
    status: 7,
    message: (c) => `the broker is rate-limiting this project${c.seconds === undefined ? "" : ` (retry after ${c.seconds} s)`}: wait a moment and try again, or ask for secrets less often (fetch them once with 'remo-secrets env' or 'exec')`,
  },
  timeout: {
    status: 8,
    message: (c) => `the Remo broker at ${sock(c)} did not answer within ${c.seconds ?? "?"} s: check 'systemctl status remo-broker' on the node, or raise REMO_SECRETS_TIMEOUT_SECONDS`,
  },
  unusable_value: {
    status: 9,
    message: (c) => `the value of ${secret(c)} ${c.detail ?? "cannot be used here"}: use 'remo-secrets get' to read it as raw bytes`,
  },
  spawn_failed: {
    status: 127,
    message: (c) => `cannot run ${c.detail ?? "the command"}: check that it is installed and on PATH`,
  },
  internal_error: { status: 1, message: () => "the broker failed internally: check 'journalctl -u remo-broker' on the node" },
  manifest_invalid: { status: 1, message: () => "the project's manifest is invalid on the node: fix .devcontainer/remo-broker.toml, then reload the project" },
  manifest_not_found: { status: 1, message: () => "the broker has no manifest for this project: add .devcontainer/remo-broker.toml and register the project" },
  project_exists: { status: 1, message: () => "the project is already registered on the node" },
  project_unknown: { status: 1, message: () => "the broker does not know this project: register it on the node (push secrets from VS Code registers it)" },
  decrypt_failed: { status: 1, message: () => "the broker could not decrypt the pushed bundle: push secrets again from VS Code" },
  invalid_payload: { status: 1, message: () => "the broker rejected the pushed bundle: push secrets again from VS Code" },
  storage_failed: { status: 1, message: () => "the broker could not store the pushed bundle: check the node's disk" },
};

/** Builds the error for a code, with its standard message. */
export function clientError(code: ClientErrorCode, context: ErrorContext = {}, retryAfterSeconds?: number): ClientError {
  return new ClientError(code, exitTable[code].message(context), retryAfterSeconds);
}

/** The exit status for an error code. */
export function exitStatusFor(code: ClientErrorCode): number {
  return exitTable[code].status;
}

/** Turns a wire error response into a client error, keeping only code and retry hint. */
export function fromWireError(code: ErrorCode, retryAfterSeconds: number | undefined, context: ErrorContext): ClientError {
  return clientError(code, { ...context, ...(retryAfterSeconds === undefined ? {} : { seconds: retryAfterSeconds }) }, retryAfterSeconds);
}
