import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkProjectRecord } from "../../../broker/src/registry.ts";
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

describe("BROKER_VERSION", () => {
  it("equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(BROKER_VERSION).toBe(pkg.version);
  });
});
