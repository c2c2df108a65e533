// The shape of one audit record as the broker builds it, and its JSON line. Pure; shared by the
// audit log and the refusal aggregator (which would otherwise import each other).
import { formatTimestamp, type AuditEvent, type AuditRecord } from "#protocol";

/** The fields of a record other than its timestamp and event; undefined ones are left out of the line. */
export type AuditFields = { [K in keyof Omit<AuditRecord, "ts" | "event">]?: AuditRecord[K] | undefined };

const maxDetail = 512;

/** Builds one audit record; `detail` is trimmed to the schema's limit. Pure. */
export function buildAuditRecord(event: AuditEvent, fields: AuditFields, now: Date | string): AuditRecord {
  // Field by field rather than a generic copy: this runs for every get (see bench/broker.bench.mjs).
  const record: AuditRecord = { ts: typeof now === "string" ? now : formatTimestamp(now), event };
  if (fields.project !== undefined) record.project = fields.project;
  if (fields.secret !== undefined) record.secret = fields.secret;
  if (fields.outcome !== undefined) record.outcome = fields.outcome;
  if (fields.peer_uid !== undefined) record.peer_uid = fields.peer_uid;
  if (fields.peer_pid !== undefined) record.peer_pid = fields.peer_pid;
  if (fields.container !== undefined) record.container = fields.container;
  if (fields.secret_count !== undefined) record.secret_count = fields.secret_count;
  if (fields.count !== undefined) record.count = fields.count;
  if (fields.detail !== undefined) record.detail = fields.detail.length > maxDetail ? fields.detail.slice(0, maxDetail - 1) + "…" : fields.detail;
  return record;
}

/**
 * Serialises one record as its JSON line, exactly `JSON.stringify(buildAuditRecord(…)) + "\n"`
 * but without building the object (the flush does this for every get). Pure.
 */
export function auditLine(event: AuditEvent, fields: AuditFields, ts: string): string {
  let line = `{"ts":${JSON.stringify(ts)},"event":${JSON.stringify(event)}`;
  if (fields.project !== undefined) line += `,"project":${JSON.stringify(fields.project)}`;
  if (fields.secret !== undefined) line += `,"secret":${JSON.stringify(fields.secret)}`;
  if (fields.outcome !== undefined) line += `,"outcome":${JSON.stringify(fields.outcome)}`;
  if (fields.peer_uid !== undefined) line += `,"peer_uid":${JSON.stringify(fields.peer_uid)}`;
  if (fields.peer_pid !== undefined) line += `,"peer_pid":${JSON.stringify(fields.peer_pid)}`;
  if (fields.container !== undefined) line += `,"container":${JSON.stringify(fields.container)}`;
  if (fields.secret_count !== undefined) line += `,"secret_count":${JSON.stringify(fields.secret_count)}`;
  if (fields.count !== undefined) line += `,"count":${JSON.stringify(fields.count)}`;
  if (fields.detail !== undefined) line += `,"detail":${JSON.stringify(fields.detail.length > maxDetail ? fields.detail.slice(0, maxDetail - 1) + "…" : fields.detail)}`;
  return line + "}\n";
}
