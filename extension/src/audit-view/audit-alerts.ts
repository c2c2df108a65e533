// When audit records the extension already received deserve a notification: an unexpected peer
// on this project's socket, or a burst of refused reads. Pure, with an injected clock; the
// caller decides whether notifications are on and how to show them.
import type { AuditRecord } from "#protocol";
import { isRefusal, recordWeight } from "./audit-summary.ts";

/** One notification to show. */
export interface AuditAlert {
  kind: "peer_unexpected" | "denial_burst";
  /** The project the policy watches, when it watches one. */
  project?: string;
  /** How many refusals (or unexpected-peer records) it stands for. */
  count: number;
  /** The secret names involved, sorted (names only, never values). */
  secrets: string[];
  /** The peer uids involved, sorted. */
  uids: number[];
}

/** Tuning for {@link AuditAlertPolicy}. */
export interface AlertPolicyOptions {
  /** Only records of this project count (all projects when undefined). */
  project?: string;
  /** Refusals within `windowMs` that make a burst (default 10). */
  denialThreshold?: number;
  /** The burst window (default 60 s). */
  windowMs?: number;
  /** At most one notification of each kind per this long (default 10 min). */
  minIntervalMs?: number;
  /** Records older than this (by the laptop's clock) are history, not news (default 15 min). */
  freshMs?: number;
  /**
   * Records from before the policy's first look are history too, less this allowance for a node
   * clock that runs behind the laptop's (default 60 s).
   */
  clockSkewMs?: number;
  /** The clock, ms since the epoch. */
  now: () => number;
}

/**
 * Decides, record batch by record batch, when to notify. A record is counted once however often
 * it arrives (a refresh re-reads records the tail already delivered), history from before the
 * view opened never notifies, and each kind is rate-limited so a looping container raises one
 * notification, not hundreds.
 */
export class AuditAlertPolicy {
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly minIntervalMs: number;
  private readonly freshMs: number;
  private readonly startedAt: number;
  private readonly seen = new Map<string, number>();
  private refusals: { t: number; n: number; secret?: string; uid?: number }[] = [];
  private readonly lastAlert = new Map<AuditAlert["kind"], number>();

  constructor(private readonly opts: AlertPolicyOptions) {
    this.threshold = Math.max(1, opts.denialThreshold ?? 10);
    this.windowMs = opts.windowMs ?? 60_000;
    this.minIntervalMs = opts.minIntervalMs ?? 10 * 60_000;
    this.freshMs = opts.freshMs ?? 15 * 60_000;
    this.startedAt = opts.now() - (opts.clockSkewMs ?? 60_000);
  }

  /** Takes a batch of records (a refresh or a tail append) and returns the notifications due now. */
  observe(records: readonly AuditRecord[]): AuditAlert[] {
    const now = this.opts.now();
    this.forget(now);
    const unexpected: AuditRecord[] = [];
    for (const r of records) {
      if (this.opts.project !== undefined && r.project !== this.opts.project) continue;
      if (!isRefusal(r)) continue;
      const t = Date.parse(r.ts);
      if (Number.isNaN(t) || t < now - this.freshMs || t < this.startedAt) continue;
      const key = JSON.stringify(r);
      if (this.seen.has(key)) continue;
      this.seen.set(key, t);
      if (r.event === "peer.unexpected" || r.outcome === "peer_unexpected") unexpected.push(r);
      else this.refusals.push({ t, n: recordWeight(r), ...(r.secret === undefined ? {} : { secret: r.secret }), ...(r.peer_uid === undefined ? {} : { uid: r.peer_uid }) });
    }
    const alerts: AuditAlert[] = [];
    const scope = this.opts.project === undefined ? {} : { project: this.opts.project };
    if (unexpected.length > 0 && this.allowed("peer_unexpected", now)) {
      alerts.push({ kind: "peer_unexpected", ...scope, count: unexpected.reduce((s, r) => s + recordWeight(r), 0), secrets: names(unexpected.map((r) => r.secret)), uids: uidsOf(unexpected.map((r) => r.peer_uid)) });
    }
    const burst = this.burst();
    if (burst !== undefined && this.allowed("denial_burst", now)) {
      alerts.push({ kind: "denial_burst", ...scope, count: burst.reduce((s, x) => s + x.n, 0), secrets: names(burst.map((x) => x.secret)), uids: uidsOf(burst.map((x) => x.uid)) });
      // The refusals that made this burst do not make the next one.
      this.refusals = [];
    }
    return alerts;
  }

  /** The refusals of the densest window that reaches the threshold, if any. */
  private burst(): { t: number; n: number; secret?: string; uid?: number }[] | undefined {
    const sorted = [...this.refusals].sort((a, b) => a.t - b.t);
    let from = 0;
    let sum = 0;
    for (let to = 0; to < sorted.length; to++) {
      sum += sorted[to]?.n ?? 0;
      while ((sorted[to]?.t ?? 0) - (sorted[from]?.t ?? 0) > this.windowMs) sum -= sorted[from++]?.n ?? 0;
      if (sum >= this.threshold) return sorted.slice(from, to + 1);
    }
    return undefined;
  }

  private allowed(kind: AuditAlert["kind"], now: number): boolean {
    const last = this.lastAlert.get(kind);
    if (last !== undefined && now - last < this.minIntervalMs) return false;
    this.lastAlert.set(kind, now);
    return true;
  }

  /** Drops what can no longer matter, so a long session does not grow the maps. */
  private forget(now: number): void {
    const horizon = now - this.freshMs;
    for (const [k, t] of this.seen) if (t < horizon) this.seen.delete(k);
    this.refusals = this.refusals.filter((x) => x.t >= horizon);
  }
}

function names(list: (string | undefined)[]): string[] {
  return [...new Set(list.filter((s): s is string => s !== undefined))].sort();
}

function uidsOf(list: (number | undefined)[]): number[] {
  return [...new Set(list.filter((u): u is number => u !== undefined))].sort((a, b) => a - b);
}

/** The notification text for an alert (names and uids only). */
export function alertMessage(a: AuditAlert, project: string | undefined, node: string): string {
  const where = `${project === undefined ? "" : `project ${project} on `}node ${node}`;
  const who = a.uids.length === 0 ? "" : ` from uid ${a.uids.join(", ")}`;
  const what = a.secrets.length === 0 ? "" : ` (${a.secrets.slice(0, 5).join(", ")}${a.secrets.length > 5 ? ", …" : ""})`;
  return a.kind === "peer_unexpected"
    ? `Remo: a process the broker does not expect${who} connected to ${where} and was refused ${a.count === 1 ? "once" : `${a.count} times`}${what}. Check which container runs as that user.`
    : `Remo: ${a.count} refused secret reads${who} for ${where} in a burst${what}. A container may be asking for names its allowlist does not grant.`;
}
