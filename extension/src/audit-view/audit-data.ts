// Pure helpers over audit records, shared by the panel (extension host) and the webview.
import type { AuditFilters } from "#protocol/webview";
import type { AuditRecord } from "#protocol";

/** True when a record passes every filter that is set (time bounds inclusive). */
export function matchesFilters(r: AuditRecord, f: AuditFilters): boolean {
  const t = Date.parse(r.ts);
  if (f.since !== undefined && f.since !== "" && t < Date.parse(f.since)) return false;
  if (f.until !== undefined && f.until !== "" && t > Date.parse(f.until)) return false;
  if (f.project !== undefined && f.project !== "" && r.project !== f.project) return false;
  if (f.secret !== undefined && f.secret !== "" && r.secret !== f.secret) return false;
  if (f.event !== undefined && r.event !== f.event) return false;
  if (f.outcome !== undefined && r.outcome !== f.outcome) return false;
  return true;
}

/** The records that pass `f`, newest first. */
export function filterRecords(records: readonly AuditRecord[], f: AuditFilters): AuditRecord[] {
  return records.filter((r) => matchesFilters(r, f)).sort((a, b) => Date.parse(b.ts) - Date.parse(a.ts));
}

/** secret name → the latest successful container fetch (`secret.get`, outcome ok) for `project`. */
export function lastFetchedBySecret(records: readonly AuditRecord[], project: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records) {
    if (r.event !== "secret.get" || r.outcome !== "ok" || r.secret === undefined) continue;
    if (project !== undefined && r.project !== project) continue;
    const prev = out.get(r.secret);
    if (prev === undefined || Date.parse(r.ts) > Date.parse(prev)) out.set(r.secret, r.ts);
  }
  return out;
}

/** The distinct values of a field, sorted, for a filter drop-down. */
export function distinctValues(records: readonly AuditRecord[], field: "project" | "secret" | "event" | "outcome"): string[] {
  const s = new Set<string>();
  for (const r of records) {
    const v = r[field];
    if (typeof v === "string") s.add(v);
  }
  return [...s].sort();
}

/** The Container cell: the engine's name when the broker knew it, else the short id; the title has the full id. */
export function containerLabel(r: AuditRecord): { text: string; title: string } {
  const c = r.container;
  if (c === undefined) return { text: "", title: "" };
  return { text: c.name ?? c.id.slice(0, 12), title: `${c.engine === undefined ? "container" : `${c.engine} container`} ${c.id}` };
}
