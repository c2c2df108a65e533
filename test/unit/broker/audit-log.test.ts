import { describe, expect, it } from "vitest";
import { AUDIT_EVENTS, parseAuditLines, selectAuditRecords, validators } from "#protocol";
import { auditLine, buildAuditRecord } from "../../../broker/src/audit/audit-record.ts";
import { fitRecords } from "../../../broker/src/requests/admin-ops.ts";
import { formatAuditTable } from "../../../broker/src/cli/audit.ts";

const at = new Date("2026-03-04T05:06:07.089Z");

describe("buildAuditRecord", () => {
  it.each(AUDIT_EVENTS.map((e) => [e]))("builds a schema-valid %s record", (event) => {
    const r = buildAuditRecord(event, { project: "p", secret: "GITHUB_TOKEN", outcome: "ok", peer_uid: 1000, peer_pid: 42, secret_count: 3, detail: "why" }, at);
    expect(validators.validateAuditRecord(r), JSON.stringify(validators.validateAuditRecord.errors)).toBe(true);
    expect(r).toEqual({ ts: "2026-03-04T05:06:07.089Z", event, project: "p", secret: "GITHUB_TOKEN", outcome: "ok", peer_uid: 1000, peer_pid: 42, secret_count: 3, detail: "why" });
  });

  it("omits unset fields and trims a long detail to the schema's 512 characters", () => {
    const r = buildAuditRecord("protocol.error", { detail: "x".repeat(2000) }, at);
    expect(Object.keys(r)).toEqual(["ts", "event", "detail"]);
    expect(r.detail).toHaveLength(512);
    expect(validators.validateAuditRecord(r)).toBe(true);
  });
});

describe("auditLine", () => {
  const cases: [string, Parameters<typeof auditLine>[1]][] = [
    ["every field", { project: "p", secret: "GITHUB_TOKEN", outcome: "ok", peer_uid: 1000, peer_pid: 42, container: { id: "b".repeat(64), engine: "podman", name: "zen \"curran\"" }, secret_count: 3, detail: "a \"quoted\" reason\nwith a newline" }],
    ["a container without engine or name", { project: "p", secret: "X", outcome: "denied", container: { id: "0".repeat(64) } }],
    ["no field", {}],
    ["a long detail", { detail: "é".repeat(600) }],
  ];
  it.each(cases)("writes the same line as JSON.stringify(buildAuditRecord(…)) with %s", (_, fields) => {
    for (const event of AUDIT_EVENTS) {
      const line = auditLine(event, fields, "2026-03-04T05:06:07.089Z");
      expect(line).toBe(JSON.stringify(buildAuditRecord(event, fields, at)) + "\n");
      expect(validators.validateAuditRecord(JSON.parse(line))).toBe(true);
    }
  });
});

describe("parseAuditLines / selectAuditRecords", () => {
  const text = [
    JSON.stringify({ ts: "2026-01-01T00:00:00.000Z", event: "broker.start" }),
    JSON.stringify({ ts: "2026-01-01T00:00:01.000Z", event: "secret.get", project: "a", secret: "X", outcome: "ok" }),
    JSON.stringify({ ts: "2026-01-01T00:00:02.000Z", event: "secret.get", project: "b", secret: "Y", outcome: "denied" }),
    "{\"ts\":\"2026-01-01T00:00:03.000Z\",\"ev", // torn by a crash
    "",
  ].join("\n");

  it("skips a torn last line", () => {
    expect(parseAuditLines(text).map((r) => r.event)).toEqual(["broker.start", "secret.get", "secret.get"]);
  });

  it("filters by project and since, and keeps the newest `limit`", () => {
    const rs = parseAuditLines(text);
    expect(selectAuditRecords(rs, { project: "a" }).map((r) => r.secret)).toEqual(["X"]);
    expect(selectAuditRecords(rs, { since: "2026-01-01T00:00:01.000Z" })).toHaveLength(2);
    expect(selectAuditRecords(rs, { limit: 1 }).map((r) => r.secret)).toEqual(["Y"]);
  });

  it("formats a table that shows names, never more", () => {
    expect(formatAuditTable(parseAuditLines(text))).toBe([
      "TIME                      EVENT         PROJECT  SECRET  OUTCOME  PEER",
      "2026-01-01T00:00:00.000Z  broker.start  -        -       -        -",
      "2026-01-01T00:00:01.000Z  secret.get    a        X       ok       -",
      "2026-01-01T00:00:02.000Z  secret.get    b        Y       denied   -",
      "",
    ].join("\n"));
  });
});

describe("fitRecords", () => {
  it("keeps the newest records that fit the byte budget, in order", () => {
    const rs = Array.from({ length: 10 }, (_, i) => buildAuditRecord("secret.get", { secret: `S${i}` }, at));
    const one = Buffer.byteLength(JSON.stringify(rs[0])) + 1;
    expect(fitRecords(rs, one * 3).map((r) => r.secret)).toEqual(["S7", "S8", "S9"]);
    expect(fitRecords(rs)).toHaveLength(10);
    expect(fitRecords([], 10)).toEqual([]);
  });
});
