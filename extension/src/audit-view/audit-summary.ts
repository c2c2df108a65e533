// Per-secret summary of audit records (reads per day, last read, by whom). Pure: shared by the
// webview, which renders it, and unit tests.
import { compareCodeUnits, type AuditRecord } from "#protocol";

/** Who read a secret, and how often. */
export interface SecretReader {
  /** The container's name (or short id) when the broker knew it, else `uid N`. */
  who: string;
  reads: number;
}

/** What the audit says about one secret name. */
export interface SecretSummary {
  secret: string;
  /** Successful container reads (`secret.get`, outcome ok). */
  reads: number;
  /** Refused reads (denied, rate-limited, unexpected peer), aggregated records counted by their `count`. */
  refusals: number;
  /** The latest successful read, RFC 3339. */
  lastRead?: string;
  /** Who read it, most reads first. */
  readers: SecretReader[];
  /** Reads per day (local to the offset given), oldest first, only days with reads. */
  perDay: { day: string; reads: number }[];
}

/** Options for {@link summarizeSecrets}. */
export interface SummaryOptions {
  /** Only this project's records (all when undefined). */
  project?: string;
  /** Minutes east of UTC for day boundaries (the webview passes the browser's zone); default 0. */
  utcOffsetMinutes?: number;
}

const refusedOutcomes = new Set(["denied", "rate_limited", "peer_unexpected"]);

/** How many requests a record stands for: an aggregated refusal carries `count`. */
export function recordWeight(r: AuditRecord): number {
  return typeof r.count === "number" && r.count > 1 ? r.count : 1;
}

/** True for a refusal the broker wrote: a get it said no to, or a peer it did not expect. */
export function isRefusal(r: AuditRecord): boolean {
  if (r.event === "peer.unexpected") return true;
  return r.event === "secret.get" && r.outcome !== undefined && refusedOutcomes.has(r.outcome);
}

/** The reader label of a record: container name, short container id, or peer uid. */
export function readerOf(r: AuditRecord): string {
  if (r.container !== undefined) return r.container.name ?? r.container.id.slice(0, 12);
  return r.peer_uid === undefined ? "unknown peer" : `uid ${r.peer_uid}`;
}

/** The calendar day (YYYY-MM-DD) of a timestamp, at a fixed offset from UTC. */
export function dayOf(ts: string, utcOffsetMinutes = 0): string {
  return new Date(Date.parse(ts) + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** One summary per secret named in `secret.get` records, sorted by name. */
export function summarizeSecrets(records: readonly AuditRecord[], opts: SummaryOptions = {}): SecretSummary[] {
  const acc = new Map<string, { reads: number; refusals: number; lastRead?: string; readers: Map<string, number>; days: Map<string, number> }>();
  for (const r of records) {
    if (r.event !== "secret.get" || r.secret === undefined || Number.isNaN(Date.parse(r.ts))) continue;
    if (opts.project !== undefined && r.project !== opts.project) continue;
    let s = acc.get(r.secret);
    if (s === undefined) {
      s = { reads: 0, refusals: 0, readers: new Map(), days: new Map() };
      acc.set(r.secret, s);
    }
    const n = recordWeight(r);
    if (isRefusal(r)) {
      s.refusals += n;
      continue;
    }
    if (r.outcome !== "ok") continue;
    s.reads += n;
    if (s.lastRead === undefined || Date.parse(r.ts) > Date.parse(s.lastRead)) s.lastRead = r.ts;
    const who = readerOf(r);
    s.readers.set(who, (s.readers.get(who) ?? 0) + n);
    const day = dayOf(r.ts, opts.utcOffsetMinutes);
    s.days.set(day, (s.days.get(day) ?? 0) + n);
  }
  return [...acc.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([secret, s]) => ({
    secret,
    reads: s.reads,
    refusals: s.refusals,
    ...(s.lastRead === undefined ? {} : { lastRead: s.lastRead }),
    readers: [...s.readers.entries()].map(([who, reads]) => ({ who, reads })).sort((a, b) => b.reads - a.reads || (a.who < b.who ? -1 : 1)),
    perDay: [...s.days.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, reads]) => ({ day, reads })),
  }));
}
