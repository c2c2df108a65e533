/** Every audit event the broker writes (DESIGN §5). */
export const AUDIT_EVENTS = [
  "broker.start",
  "broker.stop",
  "project.register",
  "project.unregister",
  "project.reload",
  "manifest.invalid",
  "secret.get",
  "secrets.pushed",
  "secrets.cleared",
  "peer.unexpected",
  "protocol.error",
] as const;

/** One audit event name. */
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** An outcome recorded with an event. */
export type AuditOutcome =
  | "ok" | "denied" | "not_found" | "rate_limited" | "error" | "peer_unexpected" | "protocol_error"
  | "decrypt_failed" | "invalid_payload" | "storage_failed" | "manifest_invalid";

/**
 * The container a peer process runs in, from its cgroup: the engine's container id, and the
 * engine and container name when the broker could tell. Informational, never an authority.
 */
export interface AuditContainer {
  /** The full 64-hex container id. */
  id: string;
  engine?: "podman" | "docker" | "containerd" | "cri-o";
  name?: string;
}

/** One line of audit.jsonl. It names secrets; it never holds a value, a ciphertext or a key. */
export interface AuditRecord {
  ts: string;
  event: AuditEvent;
  project?: string;
  secret?: string;
  outcome?: AuditOutcome;
  peer_uid?: number;
  peer_pid?: number;
  /** The peer's container (secret.get), when its cgroup names one. */
  container?: AuditContainer;
  secret_count?: number;
  /** Set on an aggregated record: how many repeats of a refusal it stands for (the first of the run is its own record; the repeats came within 1 s of it, up to `ts`). */
  count?: number;
  detail?: string;
}

/** Formats a time as RFC 3339 UTC with milliseconds, as audit records and wire timestamps use. */
export function formatTimestamp(d: Date): string {
  return d.toISOString();
}

/** Filters for reading audit records. */
export interface AuditQuery {
  since?: string;
  project?: string;
  secret?: string;
  event?: AuditEvent;
  outcome?: AuditOutcome;
  limit?: number;
}

/** True when a record passes every filter that is set (the audit CLI, admin op and view share this). */
export function matchesAuditQuery(r: AuditRecord, q: AuditQuery): boolean {
  if (q.since !== undefined && Date.parse(r.ts) < Date.parse(q.since)) return false;
  if (q.project !== undefined && r.project !== q.project) return false;
  if (q.secret !== undefined && r.secret !== q.secret) return false;
  if (q.event !== undefined && r.event !== q.event) return false;
  if (q.outcome !== undefined && r.outcome !== q.outcome) return false;
  return true;
}

/** Parses audit JSON lines (the file, `remo-broker audit --json`), skipping any that are not records (a torn last line after a crash). */
export function parseAuditLines(text: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v === "object" && v !== null && typeof (v as AuditRecord).ts === "string" && typeof (v as AuditRecord).event === "string") out.push(v as AuditRecord);
    } catch {
      // a partial line: skip it
    }
  }
  return out;
}
