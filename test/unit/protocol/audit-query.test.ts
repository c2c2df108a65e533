import { describe, expect, it } from "vitest";
import { matchesAuditQuery, parseAuditLine, selectAuditRecords, type AuditRecord } from "#protocol";

const get = (ts: string, fields: Partial<AuditRecord> = {}): AuditRecord => ({ ts, event: "secret.get", project: "a", secret: "X", outcome: "ok", ...fields });

describe("matchesAuditQuery", () => {
  const r = get("2026-01-01T10:00:00.000Z");

  it("passes everything for an empty query, and treats empty strings as no filter", () => {
    expect(matchesAuditQuery(r, {})).toBe(true);
    expect(matchesAuditQuery(r, { since: "", until: "", project: "", secret: "" })).toBe(true);
    expect(matchesAuditQuery({ ts: r.ts, event: "broker.start" }, { project: "" })).toBe(true);
  });

  it("keeps both time bounds inclusive, to the millisecond", () => {
    expect(matchesAuditQuery(r, { since: r.ts, until: r.ts })).toBe(true);
    expect(matchesAuditQuery(r, { since: "2026-01-01T10:00:00.001Z" })).toBe(false);
    expect(matchesAuditQuery(r, { until: "2026-01-01T09:59:59.999Z" })).toBe(false);
  });

  it("compares instants, not strings: another zone or precision names the same time", () => {
    expect(matchesAuditQuery(r, { since: "2026-01-01T11:00:00+01:00", until: "2026-01-01T10:00:00Z" })).toBe(true);
    expect(matchesAuditQuery(r, { since: "2026-01-01T11:00:01+01:00" })).toBe(false);
  });

  it("needs a record without a project or secret to have one when that filter is set", () => {
    const start: AuditRecord = { ts: r.ts, event: "broker.start" };
    expect(matchesAuditQuery(start, { project: "a" })).toBe(false);
    expect(matchesAuditQuery(start, { secret: "X" })).toBe(false);
    expect(matchesAuditQuery(start, { outcome: "ok" })).toBe(false);
  });

  it("requires every set field to match (and, not or)", () => {
    expect(matchesAuditQuery(r, { project: "a", secret: "X", event: "secret.get", outcome: "ok" })).toBe(true);
    expect(matchesAuditQuery(r, { project: "a", secret: "Y" })).toBe(false);
    expect(matchesAuditQuery(r, { event: "secrets.pushed" })).toBe(false);
    expect(matchesAuditQuery(r, { outcome: "denied" })).toBe(false);
  });

  it("matches names exactly: no case folding, no prefix", () => {
    expect(matchesAuditQuery(r, { project: "A" })).toBe(false);
    expect(matchesAuditQuery(get(r.ts, { secret: "X_2" }), { secret: "X" })).toBe(false);
  });

  it("ignores limit, which only selectAuditRecords applies", () => {
    expect(matchesAuditQuery(r, { limit: 0 })).toBe(true);
  });
});

describe("selectAuditRecords", () => {
  const rs = [get("2026-01-01T10:00:00.000Z", { secret: "A" }), get("2026-01-01T11:00:00.000Z", { secret: "B", project: "b" }), get("2026-01-01T12:00:00.000Z", { secret: "C" })];

  it("keeps the newest `limit` matches in file order", () => {
    expect(selectAuditRecords(rs, { project: "a", limit: 1 }).map((r) => r.secret)).toEqual(["C"]);
    expect(selectAuditRecords(rs, { limit: 2 }).map((r) => r.secret)).toEqual(["B", "C"]);
    expect(selectAuditRecords(rs, { limit: 10 }).map((r) => r.secret)).toEqual(["A", "B", "C"]);
  });

  it("keeps nothing for limit 0, everything without a limit", () => {
    expect(selectAuditRecords(rs, { limit: 0 })).toEqual([]);
    expect(selectAuditRecords(rs, {})).toHaveLength(3);
  });
});

describe("parseAuditLine", () => {
  it("takes a record and refuses what is not one", () => {
    expect(parseAuditLine(JSON.stringify({ ts: "t", event: "broker.start" }))).toEqual({ ts: "t", event: "broker.start" });
    for (const line of ["", "  ", "{\"ts\":\"t\",\"ev", "[]", "null", "{\"ts\":1,\"event\":\"x\"}", "{\"event\":\"x\"}"]) expect(parseAuditLine(line)).toBeUndefined();
  });
});
