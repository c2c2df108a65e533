/** Every audit event the broker writes. */
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

/**
 * Filters over audit records: the one query type of the admin op, the audit CLI, its tail,
 * the laptop's re-filter and the audit view. Every field is optional; an empty string is no
 * filter (a cleared form field), and the time bounds are inclusive.
 */
export interface AuditQuery {
  since?: string;
  until?: string;
  project?: string;
  secret?: string;
  event?: AuditEvent;
  outcome?: AuditOutcome;
  /** Keep only the newest this many (see {@link selectAuditRecords}). */
  limit?: number;
}

/** True when a record passes every filter that is set (`limit` is not a filter). */
export function matchesAuditQuery(r: AuditRecord, q: AuditQuery): boolean {
  if (isSet(q.since) || isSet(q.until)) {
    const t = Date.parse(r.ts);
    if (isSet(q.since) && t < Date.parse(q.since)) return false;
    if (isSet(q.until) && t > Date.parse(q.until)) return false;
  }
  if (isSet(q.project) && r.project !== q.project) return false;
  if (isSet(q.secret) && r.secret !== q.secret) return false;
  if (q.event !== undefined && r.event !== q.event) return false;
  if (q.outcome !== undefined && r.outcome !== q.outcome) return false;
  return true;
}

/** The records that pass `query`, the newest `query.limit` of them, in their order (oldest first). */
export function selectAuditRecords(records: readonly AuditRecord[], query: AuditQuery): AuditRecord[] {
  const matched = records.filter((r) => matchesAuditQuery(r, query));
  return query.limit === undefined ? matched : matched.slice(Math.max(0, matched.length - query.limit));
}

function isSet(v: string | undefined): v is string {
  return v !== undefined && v !== "";
}

/** Parses one audit JSON line, or undefined when it is not a record (a torn last line after a crash, a blank line). */
export function parseAuditLine(line: string): AuditRecord | undefined {
  if (line.trim() === "") return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v === "object" && v !== null && typeof (v as AuditRecord).ts === "string" && typeof (v as AuditRecord).event === "string") return v as AuditRecord;
  } catch {
    // a partial line: not a record
  }
  return undefined;
}

/** Parses audit JSON lines (the file, `remo-broker audit --json`), skipping any that are not records. */
export function parseAuditLines(text: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of text.split("\n")) {
    const r = parseAuditLine(line);
    if (r !== undefined) out.push(r);
  }
  return out;
}
