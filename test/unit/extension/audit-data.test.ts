import { describe, expect, it } from "vitest";
import type { AuditRecord } from "#protocol";
import { containerLabel, distinctValues, filterRecords, lastFetchedBySecret } from "../../../extension/src/audit-view/audit-data.ts";

const r = (ts: string, extra: Partial<AuditRecord>): AuditRecord => ({ ts, event: "secret.get", ...extra });
const records: AuditRecord[] = [
  r("2026-01-01T10:00:00.000Z", { project: "a", secret: "X", outcome: "ok" }),
  r("2026-01-01T11:00:00.000Z", { project: "a", secret: "X", outcome: "denied" }),
  r("2026-01-01T12:00:00.000Z", { project: "b", secret: "X", outcome: "ok" }),
  r("2026-01-01T09:00:00.000Z", { project: "a", secret: "Y", outcome: "ok" }),
  r("2026-01-01T13:00:00.000Z", { event: "secrets.pushed", project: "a", outcome: "ok", secret_count: 2 }),
];

describe("filterRecords", () => {
  it("applies every filter that is set, newest first, with inclusive time bounds", () => {
    expect(filterRecords(records, { project: "a", outcome: "ok" }).map((x) => x.ts)).toEqual(["2026-01-01T13:00:00.000Z", "2026-01-01T10:00:00.000Z", "2026-01-01T09:00:00.000Z"]);
    expect(filterRecords(records, { since: "2026-01-01T10:00:00.000Z", until: "2026-01-01T12:00:00.000Z", secret: "X" })).toHaveLength(3);
    expect(filterRecords(records, { event: "secrets.pushed" })).toEqual([records[4]]);
  });

  it("treats empty strings as no filter", () => {
    expect(filterRecords(records, { project: "", since: "", until: "" })).toHaveLength(records.length);
  });
});

describe("lastFetchedBySecret", () => {
  it("keeps the latest successful get per secret, for one project", () => {
    expect([...lastFetchedBySecret(records, "a")]).toEqual([["X", "2026-01-01T10:00:00.000Z"], ["Y", "2026-01-01T09:00:00.000Z"]]);
    expect(lastFetchedBySecret(records, undefined).get("X")).toBe("2026-01-01T12:00:00.000Z");
  });
});

describe("distinctValues", () => {
  it("lists the values of a field for the filter drop-downs", () => {
    expect(distinctValues(records, "event")).toEqual(["secret.get", "secrets.pushed"]);
    expect(distinctValues(records, "outcome")).toEqual(["denied", "ok"]);
  });
});

describe("containerLabel", () => {
  const id = "b218fad749b07687a8a9f78d62413fcfa3d1407afed94708368d391f9d110c9d";
  it("shows the container's name, else its short id, with the full id as the title", () => {
    const base = { ts: "2026-01-01T00:00:00.000Z", event: "secret.get" as const };
    expect(containerLabel({ ...base, container: { id, engine: "podman", name: "zen_curran" } })).toEqual({ text: "zen_curran", title: `podman container ${id}` });
    expect(containerLabel({ ...base, container: { id } })).toEqual({ text: "b218fad749b0", title: `container ${id}` });
    expect(containerLabel(base)).toEqual({ text: "", title: "" });
  });
});
