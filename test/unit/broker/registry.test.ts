import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkProjectRecord, parseSocketOwner } from "../../../broker/src/projects/registry.ts";
import { BROKER_VERSION } from "../../../broker/src/version.ts";

describe("checkProjectRecord", () => {
  it("keeps a valid entry with its optional fields", () => {
    expect(checkProjectRecord({ name: "p", project_path: "/p", peer_uids: [1000], socket_owner: "1000:1000", extra: 1 })).toEqual({ name: "p", project_path: "/p", peer_uids: [1000], socket_owner: "1000:1000" });
  });
  it.each([[null, "entry is not an object"], [{ name: "Bad" }, "entry has no valid name"], [{ name: "p" }, "project p has no project_path"]])("explains why %j is skipped", (v, why) => {
    expect(checkProjectRecord(v)).toBe(why);
  });
  it("drops malformed optional fields instead of trusting them", () => {
    expect(checkProjectRecord({ name: "p", project_path: "/p", peer_uids: ["root"], socket_owner: "root" })).toEqual({ name: "p", project_path: "/p" });
  });
});

describe("parseSocketOwner", () => {
  it("accepts ids up to 2^32-2 and refuses (uid_t)-1, which chown treats as \"unchanged\"", () => {
    expect(parseSocketOwner("1000:1000")).toEqual({ uid: 1000, gid: 1000 });
    expect(parseSocketOwner("4294967294:0")).toEqual({ uid: 4294967294, gid: 0 });
    expect(parseSocketOwner("4294967295:1000")).toBeUndefined();
    expect(parseSocketOwner("1000:4294967295")).toBeUndefined();
    expect(parseSocketOwner("9999999999:1")).toBeUndefined();
    expect(parseSocketOwner("root:root")).toBeUndefined();
  });
  it("keeps the approved allowlist of a persisted entry and drops a malformed one", () => {
    expect(checkProjectRecord({ name: "p", project_path: "/p", approved_allowlist: ["A", "B"] })).toEqual({ name: "p", project_path: "/p", approved_allowlist: ["A", "B"] });
    expect(checkProjectRecord({ name: "p", project_path: "/p", approved_allowlist: ["A", "bad name"], socket_owner: "4294967295:0" })).toEqual({ name: "p", project_path: "/p" });
  });
});

describe("BROKER_VERSION", () => {
  it("equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(BROKER_VERSION).toBe(pkg.version);
  });
});
