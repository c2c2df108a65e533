import { describe, expect, it } from "vitest";
import type { AuditRecord } from "#protocol";
import { dayOf, isRefusal, readerOf, recordWeight, summarizeSecrets } from "../../../extension/src/audit-view/audit-summary.ts";

const cid = "a".repeat(64);
const get = (ts: string, secret: string, extra: Partial<AuditRecord> = {}): AuditRecord => ({ ts, event: "secret.get", project: "myrepo", secret, outcome: "ok", peer_uid: 1000, peer_pid: 42, ...extra });

describe("summarizeSecrets", () => {
  it("counts reads per day, the last read and who read, per secret of one project", () => {
    const records: AuditRecord[] = [
      get("2026-11-30T09:00:00.000Z", "GITHUB_TOKEN", { container: { id: cid, engine: "podman", name: "myrepo-dev" } }),
      get("2026-12-01T08:00:00.000Z", "GITHUB_TOKEN", { container: { id: cid, engine: "podman", name: "myrepo-dev" } }),
      get("2026-12-01T10:30:00.000Z", "GITHUB_TOKEN"),
      get("2026-12-01T11:00:00.000Z", "GITHUB_TOKEN", { outcome: "denied" }),
      get("2026-12-01T11:00:01.000Z", "GITHUB_TOKEN", { outcome: "denied", count: 7 }),
      get("2026-12-01T12:00:00.000Z", "NPM_TOKEN", { container: { id: "b".repeat(64) } }),
      get("2026-12-01T12:00:00.000Z", "NPM_TOKEN", { outcome: "not_found" }),
      get("2026-12-01T13:00:00.000Z", "GITHUB_TOKEN", { project: "other" }),
      { ts: "2026-12-01T13:00:00.000Z", event: "secrets.pushed", project: "myrepo", outcome: "ok", secret_count: 2 },
    ];
    expect(summarizeSecrets(records, { project: "myrepo" })).toEqual([
      {
        secret: "GITHUB_TOKEN", reads: 3, refusals: 8, lastRead: "2026-12-01T10:30:00.000Z",
        readers: [{ who: "myrepo-dev", reads: 2 }, { who: "uid 1000", reads: 1 }],
        perDay: [{ day: "2026-11-30", reads: 1 }, { day: "2026-12-01", reads: 2 }],
      },
      { secret: "NPM_TOKEN", reads: 1, refusals: 0, lastRead: "2026-12-01T12:00:00.000Z", readers: [{ who: "bbbbbbbbbbbb", reads: 1 }], perDay: [{ day: "2026-12-01", reads: 1 }] },
    ]);
  });

  it("puts day boundaries at the given offset from UTC", () => {
    const records = [get("2026-12-01T23:30:00.000Z", "X"), get("2026-12-02T00:30:00.000Z", "X")];
    expect(summarizeSecrets(records)[0]?.perDay).toEqual([{ day: "2026-12-01", reads: 1 }, { day: "2026-12-02", reads: 1 }]);
    expect(summarizeSecrets(records, { utcOffsetMinutes: 60 })[0]?.perDay).toEqual([{ day: "2026-12-02", reads: 2 }]);
    expect(summarizeSecrets(records, { utcOffsetMinutes: -120 })[0]?.perDay).toEqual([{ day: "2026-12-01", reads: 2 }]);
  });

  it("lists a secret that was only ever refused, with no last read", () => {
    expect(summarizeSecrets([get("2026-12-01T10:00:00.000Z", "AWS_KEY", { outcome: "denied", count: 3 })])).toEqual([
      { secret: "AWS_KEY", reads: 0, refusals: 3, readers: [], perDay: [] },
    ]);
  });

  it("returns nothing for no records", () => {
    expect(summarizeSecrets([])).toEqual([]);
  });
});

describe("record helpers", () => {
  it("weighs an aggregated record by its count", () => {
    expect([recordWeight(get("2026-12-01T10:00:00.000Z", "X")), recordWeight(get("2026-12-01T10:00:00.000Z", "X", { outcome: "denied", count: 12 }))]).toEqual([1, 12]);
  });

  it("treats denials, rate limits and unexpected peers as refusals, not a missing value", () => {
    const outcomes = ["ok", "denied", "rate_limited", "peer_unexpected", "not_found"] as const;
    expect(outcomes.map((o) => isRefusal(get("2026-12-01T10:00:00.000Z", "X", { outcome: o })))).toEqual([false, true, true, true, false]);
    expect(isRefusal({ ts: "2026-12-01T10:00:00.000Z", event: "peer.unexpected", project: "p", peer_uid: 4242 })).toBe(true);
  });

  it("names the reader by container name, short id, then uid", () => {
    expect([
      readerOf(get("2026-12-01T10:00:00.000Z", "X", { container: { id: cid, name: "dev" } })),
      readerOf(get("2026-12-01T10:00:00.000Z", "X", { container: { id: cid } })),
      readerOf(get("2026-12-01T10:00:00.000Z", "X")),
      readerOf({ ts: "2026-12-01T10:00:00.000Z", event: "secret.get" }),
    ]).toEqual(["dev", "aaaaaaaaaaaa", "uid 1000", "unknown peer"]);
    expect(dayOf("2026-12-01T10:00:00.000Z")).toBe("2026-12-01");
  });
});
