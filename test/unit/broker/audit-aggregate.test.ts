import { describe, expect, it } from "vitest";
import { isRefusal, RefusalAggregator, type QueuedRecord } from "../../../broker/src/audit/audit-aggregate.ts";

const denied = { project: "p", secret: "X", outcome: "denied" as const, peer_uid: 1000, peer_pid: 7 };

describe("isRefusal", () => {
  it("is true for gets without a value and for unexpected peers, false for the rest", () => {
    expect(isRefusal("secret.get", denied)).toBe(true);
    expect(isRefusal("secret.get", { ...denied, outcome: "rate_limited" })).toBe(true);
    expect(isRefusal("secret.get", { ...denied, outcome: "ok" })).toBe(false);
    expect(isRefusal("peer.unexpected", { project: "p", outcome: "peer_unexpected", peer_uid: 5 })).toBe(true);
    expect(isRefusal("secrets.pushed", { outcome: "ok" })).toBe(false);
    expect(isRefusal("protocol.error", { outcome: "protocol_error" })).toBe(false);
  });
});

describe("RefusalAggregator", () => {
  const collect = (): { out: QueuedRecord[]; emit: (r: QueuedRecord) => void } => {
    const out: QueuedRecord[] = [];
    return { out, emit: (r) => { out.push(r); } };
  };

  it("writes the first of 10,000 identical refusals at once and the rest as one record with their count when the second ends", () => {
    const agg = new RefusalAggregator(1000);
    const { out, emit } = collect();
    for (let i = 0; i < 10_000; i++) agg.add("secret.get", { ...denied, peer_pid: i }, 5000 + (i % 999), emit);
    expect(out).toEqual([{ event: "secret.get", fields: { ...denied, peer_pid: 0 }, ms: 5000, count: 1 }]);
    agg.closeExpired(5999, emit);
    expect(out).toHaveLength(1);
    agg.closeExpired(6003, emit);
    // Stamped with the time it is written, so the file stays in time order; the latest peer pid.
    expect(out[1]).toEqual({ event: "secret.get", fields: { ...denied, peer_pid: 9999 }, ms: 6003, count: 9999 });
    expect(agg.size).toBe(0);
  });

  it("keeps refusals apart that differ in project, secret, outcome or peer UID", () => {
    const agg = new RefusalAggregator(1000);
    const { out, emit } = collect();
    const variants = [denied, { ...denied, project: "q" }, { ...denied, secret: "Y" }, { ...denied, outcome: "not_found" as const }, { ...denied, peer_uid: 1001 }];
    for (const v of variants) { agg.add("secret.get", v, 0, emit); agg.add("secret.get", v, 10, emit); }
    agg.add("peer.unexpected", { project: "p", outcome: "peer_unexpected", peer_uid: 1000 }, 20, emit);
    agg.closeAll(30, emit);
    const key = (r: QueuedRecord): unknown[] => [r.fields.project, r.fields.secret, r.fields.outcome, r.fields.peer_uid, r.ms, r.count];
    expect(out.map(key)).toEqual([
      ["p", "X", "denied", 1000, 0, 1], ["q", "X", "denied", 1000, 0, 1], ["p", "Y", "denied", 1000, 0, 1],
      ["p", "X", "not_found", 1000, 0, 1], ["p", "X", "denied", 1001, 0, 1], ["p", undefined, "peer_unexpected", 1000, 20, 1],
      ["p", "X", "denied", 1000, 30, 1], ["q", "X", "denied", 1000, 30, 1], ["p", "Y", "denied", 1000, 30, 1],
      ["p", "X", "not_found", 1000, 30, 1], ["p", "X", "denied", 1001, 30, 1],
    ]);
  });

  it("starts a new run once a second has passed since the first of the last one", () => {
    const agg = new RefusalAggregator(1000);
    const { out, emit } = collect();
    agg.add("secret.get", denied, 0, emit);
    agg.add("secret.get", denied, 500, emit);
    agg.add("secret.get", denied, 999, emit);
    agg.add("secret.get", denied, 1000, emit);
    expect(out.map((r) => [r.ms, r.count])).toEqual([[0, 1], [1000, 2], [1000, 1]]);
    expect(agg.nextCloseMs).toBe(2000);
    agg.closeAll(1500, emit);
    // A run of one has nothing more to write.
    expect(out).toHaveLength(3);
    expect(agg.nextCloseMs).toBeUndefined();
  });

  it("writes everything out rather than hold more than 4096 open windows (a scan of names)", () => {
    const agg = new RefusalAggregator(1000);
    const { out, emit } = collect();
    for (let i = 0; i < 5000; i++) {
      agg.add("secret.get", { ...denied, secret: `N${i}` }, 0, emit);
      agg.add("secret.get", { ...denied, secret: `N${i}` }, 0, emit);
    }
    expect(agg.size).toBeLessThanOrEqual(4096);
    agg.closeAll(1, emit);
    // Nothing lost: every refusal is in some record's count.
    expect(out.reduce((n, r) => n + r.count, 0)).toBe(10_000);
  });
});
