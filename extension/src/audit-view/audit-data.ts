// Pure helpers over audit records, shared by the panel (extension host) and the webview.
import type { AuditRecord } from "#protocol";
import { matchesAuditQuery, type AuditFilters } from "#protocol/webview";

/** The records that pass `f` (the one audit matcher), newest first. */
export function filterRecords(records: readonly AuditRecord[], f: AuditFilters): AuditRecord[] {
  return records.filter((r) => matchesAuditQuery(r, f)).sort((a, b) => Date.parse(b.ts) - Date.parse(a.ts));
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
