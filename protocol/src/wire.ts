import type { AuditRecord } from "./audit.ts";

/** The wire protocol version this code speaks (docs/architecture.md#wire-protocol). */
export const PROTOCOL_VERSION = 2;

/** The largest message, in bytes including the trailing newline, either side may send. */
export const maxMessageBytes = 64 * 1024;

/** Where the project socket appears inside a container. */
export const CONTAINER_SOCKET_PATH = "/run/remo-broker/sock";

/** The broker's default runtime directory on a node. */
export const DEFAULT_RUNTIME_DIR = "/run/remo-broker";

/** Every error code either socket may answer with. */
export const ERROR_CODES = [
  "denied",
  "not_found",
  "rate_limited",
  "protocol_error",
  "internal_error",
  "peer_unexpected",
  "manifest_invalid",
  "manifest_not_found",
  "project_exists",
  "project_unknown",
  "decrypt_failed",
  "invalid_payload",
  "storage_failed",
] as const;

/** A stable error code (see {@link ERROR_CODES}). */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Requests on a project socket. */
export type ProjectRequest =
  | { op: "get"; name: string }
  | { op: "ping" }
  | { op: "info" };

/**
 * Requests on the admin socket. `allowlist` on register/reload is the list of names the user
 * approved on the laptop; without it the broker approves what the manifest file says at that moment.
 */
export type AdminRequest =
  | { op: "register"; name: string; project_path: string; allowlist?: string[]; peer_uids?: number[]; socket_owner?: string }
  | { op: "unregister"; name: string }
  | { op: "reload"; name: string; allowlist?: string[] }
  | { op: "status" }
  | { op: "get-public-key" }
  | { op: "push-creds"; ciphertext_b64: string; project?: string }
  | { op: "clear-creds"; project?: string }
  | { op: "audit"; since?: string; limit?: number; project?: string };

/** The op names of each socket, in the order the tables of docs/architecture.md#project-socket and #admin-socket list them. */
export const PROJECT_OPS = ["get", "ping", "info"] as const;
export const ADMIN_OPS = ["register", "unregister", "reload", "status", "get-public-key", "push-creds", "clear-creds", "audit"] as const;

/** An admin op name. */
export type AdminOp = AdminRequest["op"];

/** Every failure on the wire. */
export interface ErrorResponse {
  ok: false;
  code: ErrorCode;
  message: string;
  retry_after_seconds?: number;
}

/** A successful `get`: the value as UTF-8 text, or base64 when it is not valid UTF-8. */
export type GetResponse = { ok: true; ttl_seconds: number } & ({ value: string } | { value_b64: string });
export interface PingResponse { ok: true; broker_version: string; protocol_version: typeof PROTOCOL_VERSION; project: string }
/**
 * How the approved allowlist and the manifest file compare. The broker serves approved ∩ file,
 * so a file edited on the node can only narrow what is served. Optional: older brokers omit them.
 */
export interface AllowlistCounts {
  /** Names the laptop approved (the last register/reload allowlist). */
  approved_count?: number;
  /** Approved names the manifest file no longer lists, so they are not served. */
  narrowed_count?: number;
  /** Names the manifest file lists that were never approved, so they are not served. */
  unapproved_count?: number;
}

/** `info` on a project socket: `allowlist` is what is served (approved ∩ manifest file). */
export interface InfoResponse extends AllowlistCounts { ok: true; project: string; allowlist: string[]; schema_version: 1 }

/** Where the broker's decryption key came from (docs/architecture.md#the-nodes-key). */
export type KeySource = "tpm2" | "host-key" | "plaintext";

/** One registered project in a `status` answer. */
export interface ProjectStatus extends AllowlistCounts {
  name: string;
  socket_path: string;
  allowlist_size: number;
  cache_entries: number;
  secrets_loaded_at?: string | null;
  secret_count?: number;
}

export interface StatusResponse {
  ok: true;
  broker_version: string;
  protocol_version: typeof PROTOCOL_VERSION;
  uptime_seconds: number;
  secrets_loaded_at: string | null;
  secret_count: number;
  decryption_key_source: KeySource;
  /** What the key source protects against, in a sentence. */
  key_source_note?: string;
  /** False when the audit file could not be written; the broker keeps serving. */
  audit_writable?: boolean;
  warnings?: string[];
  projects: ProjectStatus[];
}

/** The success payload of each admin op, by op name. */
export interface AdminResults {
  /** `allowlist` is what the project now serves (approved ∩ manifest file). */
  "register": { ok: true; socket_path: string; allowlist?: string[] };
  "unregister": { ok: true };
  "reload": { ok: true; allowlist: string[] };
  "status": StatusResponse;
  "get-public-key": { ok: true; recipient: string };
  "push-creds": { ok: true; loaded_at: string; secret_count: number };
  "clear-creds": { ok: true };
  "audit": { ok: true; records: AuditRecord[] };
}

/** The success payload of each project op, by op name. */
export interface ProjectResults {
  get: GetResponse;
  ping: PingResponse;
  info: InfoResponse;
}

/** Any answer to a request: success of its op, or an error. */
export type Response<T> = T | ErrorResponse;

/** Builds an error response. */
export function errorResponse(code: ErrorCode, message: string, retryAfterSeconds?: number): ErrorResponse {
  return retryAfterSeconds === undefined
    ? { ok: false, code, message }
    : { ok: false, code, message, retry_after_seconds: retryAfterSeconds };
}

/** True when a decoded message is an error response. */
export function isErrorResponse(m: unknown): m is ErrorResponse {
  return typeof m === "object" && m !== null && (m as { ok?: unknown }).ok === false;
}

/**
 * The directory holding a project's socket: `<runtime-dir>/projects/<project>`. A container
 * bind-mounts this directory (not the socket file), so it keeps seeing the live socket when
 * the broker restarts and replaces it.
 */
export function projectSocketDir(runtimeDir: string, project: string): string {
  return `${runtimeDir.replace(/\/+$/, "")}/projects/${project}`;
}

/** The project socket path: `<runtime-dir>/projects/<project>/sock`. */
export function projectSocketPath(runtimeDir: string, project: string): string {
  return `${projectSocketDir(runtimeDir, project)}/sock`;
}

/** Builds the admin socket path under a runtime directory. */
export function adminSocketPath(runtimeDir: string): string {
  return `${runtimeDir.replace(/\/+$/, "")}/admin.sock`;
}
