import { describe, expect, it } from "vitest";
import type { AuditRecord } from "#protocol";
import { AuditAlertPolicy, alertMessage } from "../../../extension/src/audit-view/audit-alerts.ts";

const base = Date.parse("2026-12-01T12:00:00.000Z");
const iso = (ms: number): string => new Date(base + ms).toISOString();
const denied = (ms: number, extra: Partial<AuditRecord> = {}): AuditRecord => ({ ts: iso(ms), event: "secret.get", project: "myrepo", secret: "AWS_KEY", outcome: "denied", peer_uid: 1000, peer_pid: 7, ...extra });
const unexpected = (ms: number, uid = 4242): AuditRecord => ({ ts: iso(ms), event: "peer.unexpected", project: "myrepo", outcome: "peer_unexpected", peer_uid: uid });

/** A policy on a clock the test moves. */
function setup(opts: Partial<ConstructorParameters<typeof AuditAlertPolicy>[0]> = {}): { policy: AuditAlertPolicy; at: (ms: number) => void } {
  let now = base;
  const policy = new AuditAlertPolicy({ project: "myrepo", denialThreshold: 5, windowMs: 60_000, minIntervalMs: 600_000, freshMs: 900_000, now: () => now, ...opts });
  return { policy, at: (ms) => { now = base + ms; } };
}

describe("AuditAlertPolicy", () => {
  it("raises a burst when refusals in one window reach the threshold, counting aggregated records by count", () => {
    const { policy, at } = setup();
    at(1_000);
    expect(policy.observe([denied(0), denied(100, { secret: "DB_PASSWORD" })])).toEqual([]);
    at(2_000);
    expect(policy.observe([denied(1_500, { count: 3 })])).toEqual([{ kind: "denial_burst", project: "myrepo", count: 5, secrets: ["AWS_KEY", "DB_PASSWORD"], uids: [1000] }]);
  });

  it("does not add refusals that are further apart than the window", () => {
    const { policy, at } = setup();
    at(200_000);
    expect(policy.observe([denied(0, { count: 2 }), denied(61_000, { count: 2 }), denied(122_000, { count: 2 }), denied(183_000, { count: 2 })])).toEqual([]);
  });

  it("counts a record once however often it arrives (a refresh re-reads what the tail delivered)", () => {
    const { policy, at } = setup();
    at(1_000);
    const batch = [denied(0), denied(1), denied(2)];
    expect(policy.observe(batch)).toEqual([]);
    expect(policy.observe(batch)).toEqual([]);
    expect(policy.observe([...batch, ...batch])).toEqual([]);
    expect(policy.observe([denied(3), denied(4)])).toHaveLength(1);
  });

  it("never notifies about what happened before it first looked, beyond the clock-skew allowance", () => {
    const { policy, at } = setup({ clockSkewMs: 30_000 });
    at(1_000);
    expect(policy.observe([unexpected(-31_000), ...Array.from({ length: 20 }, (_, i) => denied(-40_000 + i))])).toEqual([]);
    // A node clock 20 s behind the laptop's: still news.
    expect(policy.observe([unexpected(-20_000)])).toEqual([{ kind: "peer_unexpected", project: "myrepo", count: 1, secrets: [], uids: [4242] }]);
  });

  it("never notifies about history older than the freshness horizon", () => {
    const { policy, at } = setup();
    at(3_600_000);
    expect(policy.observe([unexpected(0), ...Array.from({ length: 20 }, (_, i) => denied(i))])).toEqual([]);
  });

  it("notifies an unexpected peer at once, and only this project's", () => {
    const { policy, at } = setup();
    at(500);
    expect(policy.observe([{ ...unexpected(0, 5000), project: "elsewhere" }])).toEqual([]);
    expect(policy.observe([unexpected(100), unexpected(200, 4243)])).toEqual([{ kind: "peer_unexpected", project: "myrepo", count: 2, secrets: [], uids: [4242, 4243] }]);
  });

  it("watches every project when given none, and then names none", () => {
    let now = base;
    const policy = new AuditAlertPolicy({ denialThreshold: 2, now: () => now });
    now = base + 1_000;
    expect(policy.observe([denied(0, { project: "a" }), denied(1, { project: "b" })])).toEqual([{ kind: "denial_burst", count: 2, secrets: ["AWS_KEY"], uids: [1000] }]);
  });

  it("rate-limits each kind: one notification per interval however long a container loops", () => {
    const { policy, at } = setup();
    const raised: string[] = [];
    for (let s = 0; s < 1_800; s += 10) {
      at(s * 1000 + 999);
      const batch = [unexpected(s * 1000), ...Array.from({ length: 5 }, (_, i) => denied(s * 1000 + i))];
      for (const a of policy.observe(batch)) raised.push(`${a.kind}@${s}`);
    }
    expect(raised).toEqual(["peer_unexpected@0", "denial_burst@0", "peer_unexpected@600", "denial_burst@600", "peer_unexpected@1200", "denial_burst@1200"]);
  });

  it("starts a new burst from refusals after the last one", () => {
    const { policy, at } = setup({ minIntervalMs: 0 });
    at(100);
    expect(policy.observe(Array.from({ length: 5 }, (_, i) => denied(i)))).toHaveLength(1);
    expect(policy.observe([denied(50)])).toEqual([]);
    expect(policy.observe(Array.from({ length: 4 }, (_, i) => denied(60 + i)))).toHaveLength(1);
  });

  it("ignores reads that worked and values the broker simply does not hold", () => {
    const { policy, at } = setup({ denialThreshold: 1 });
    at(100);
    expect(policy.observe([denied(0, { outcome: "ok" }), denied(1, { outcome: "not_found" }), { ts: iso(2), event: "secrets.pushed", project: "myrepo", outcome: "ok" }])).toEqual([]);
    expect(policy.observe([denied(3, { outcome: "rate_limited" })])).toEqual([{ kind: "denial_burst", project: "myrepo", count: 1, secrets: ["AWS_KEY"], uids: [1000] }]);
  });
});

describe("alertMessage", () => {
  it("names the project, node, uids and secrets, never more than five names", () => {
    expect(alertMessage({ kind: "denial_burst", count: 12, secrets: ["A", "B", "C", "D", "E", "F"], uids: [1000] }, "myrepo", "devbox")).toBe(
      "Remo: 12 refused secret reads from uid 1000 for project myrepo on node devbox in a burst (A, B, C, D, E, …). A container may be asking for names its allowlist does not grant.",
    );
    expect(alertMessage({ kind: "peer_unexpected", count: 1, secrets: [], uids: [4242] }, undefined, "devbox")).toBe(
      "Remo: a process the broker does not expect from uid 4242 connected to node devbox and was refused once. Check which container runs as that user.",
    );
  });
});
