import { describe, expect, it } from "vitest";
import { brokerCacheDefaults, effectiveCacheLimits, humanizeTomlError, normalizeProjectName, parseManifest, parseTomlText, suggestKey, type ManifestIssue } from "#protocol";
import { makeSentinel } from "../../helpers/sentinel.ts";

const valid = "schema_version = 1\n[project]\nname = \"myrepo\"\n[allowlist]\nsecrets = [\"GITHUB_TOKEN\"]\n[cache]\nttl_seconds = 60\n";

describe("parseManifest", () => {
  it("returns the manifest model for a valid text", () => {
    expect(parseManifest(valid, { folderName: "myrepo" })).toEqual({
      value: { schema_version: 1, project: { name: "myrepo" }, allowlist: { secrets: ["GITHUB_TOKEN"] }, cache: { ttl_seconds: 60 } },
      manifest: { schemaVersion: 1, project: { name: "myrepo" }, allowlist: ["GITHUB_TOKEN"], cache: { ttlSeconds: 60 } },
      issues: [],
    });
  });

  it("reports every missing required table, not only the first", () => {
    expect(parseManifest("schema_version = 1\n").issues.map((i) => [i.code, i.data?.key])).toEqual([["missing-key", "project"], ["missing-key", "allowlist"]]);
  });

  it("locates each later duplicate by index and points back to the first", () => {
    const r = parseManifest(valid.replace("[\"GITHUB_TOKEN\"]", "[\"A\", \"B\", \"A\", \"A\"]"));
    expect(r.manifest).toBeUndefined();
    expect(r.issues.map((i) => [i.code, i.path, i.data])).toEqual([
      ["duplicate-secret", ["allowlist", "secrets", 2], { name: "A", firstIndex: 0, index: 2 }],
      ["duplicate-secret", ["allowlist", "secrets", 3], { name: "A", firstIndex: 0, index: 3 }],
    ]);
  });

  it("checks the name against the project folder and suggests the folder's name", () => {
    expect(parseManifest(valid, { folderName: "other" }).issues).toEqual([{
      code: "project-name-mismatch", severity: "error", path: ["project", "name"], target: "value", data: { replacement: "other" },
      message: "Project name \"myrepo\" must equal the project folder's name. Set it to \"other\".",
    }]);
  });

  it("reports a syntax error with its position and never quotes the source line", () => {
    const sentinel = makeSentinel();
    const r = parseManifest(`schema_version = 1\n[project]\nname = "${sentinel}\n`);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: "toml-syntax", position: { line: 2, column: 7 + sentinel.length + 1 } });
    expect(r.issues[0]?.message).toBe("TOML syntax error: this string is not closed before the end of the line. Close it with a matching quote.");
    expect(JSON.stringify(r.issues)).not.toContain(sentinel);
  });

  it("never echoes a long pasted value from the allowlist", () => {
    const sentinel = `${makeSentinel()}-with-dash`;
    const r = parseManifest(valid.replace("\"GITHUB_TOKEN\"", JSON.stringify(sentinel)));
    expect(r.issues.map((i) => i.code)).toEqual(["bad-secret-name"]);
    expect(JSON.stringify(r.issues)).not.toContain(sentinel);
  });
});

describe("humanizeTomlError", () => {
  it("keeps an unknown reason, minus smol-toml's prefix, and asks to fix the syntax", () => {
    expect(humanizeTomlError(new Error("Invalid TOML document: something new\n\n1: x"))).toBe("TOML syntax error: something new. Fix the syntax here.");
    expect(humanizeTomlError("not an error")).toBe("TOML syntax error: the file is not valid TOML. Fix the syntax.");
  });
});

describe("effectiveCacheLimits", () => {
  it("lets a manifest lower the broker's defaults but never raise them", () => {
    const m = parseManifest(valid).manifest!;
    expect(effectiveCacheLimits(m)).toEqual({ ttlSeconds: 60, maxEntries: brokerCacheDefaults.maxEntries });
    expect(effectiveCacheLimits({ ...m, cache: { ttlSeconds: 86_400, maxEntries: 1024 } })).toEqual({ ttlSeconds: 600, maxEntries: 64 });
  });
});

describe("suggestKey and normalizeProjectName", () => {
  it.each([["secret", ["secrets"], "secrets"], ["ttl", ["ttl_seconds", "max_entries"], "ttl_seconds"], ["nmae", ["name", "description"], "name"], ["allowlists", ["schema_version", "project", "allowlist", "cache"], "allowlist"], ["zzz", ["name"], undefined]] as const)(
    "suggests for %s among %j: %s", (key, allowed, expected) => {
      expect(suggestKey(key, allowed)).toBe(expected);
    });

  it.each([["My Repo", "my-repo"], ["_x", "x"], ["ok", "ok"], ["---", undefined], ["Ünïcode", "n-code"]] as const)("normalises %s to %s", (name, expected) => {
    expect(normalizeProjectName(name)).toBe(expected);
  });
});

// toml-test's valid/integer/long.toml: the extremes of the 64-bit range TOML requires.
const longToml = "int64-max = 9223372036854775807\nint64-max-neg = -9223372036854775808\n";

describe("64-bit integers", () => {
  it("parses toml-test's long.toml losslessly", () => {
    expect(parseTomlText(longToml)).toEqual({ "int64-max": 9223372036854775807n, "int64-max-neg": -9223372036854775808n });
  });

  it("reports long integers in a manifest by the schema, not as a syntax error", () => {
    const r = parseManifest(longToml + valid);
    expect(r.manifest).toBeUndefined();
    expect(r.issues.map((i) => [i.code, i.path])).toEqual([["unknown-key", ["int64-max"]], ["unknown-key", ["int64-max-neg"]]]);
  });

  it.each([["ttl_seconds", "9223372036854775807"], ["ttl_seconds", "-9223372036854775808"], ["max_entries", "9223372036854775807"]])(
    "gives cache.%s = %s the range error a huge number gets", (key, long) => {
      const at = (n: string): ManifestIssue[] => parseManifest(`${valid.replace("ttl_seconds = 60\n", "")}${key} = ${n}\n`).issues;
      const huge = long.startsWith("-") ? "-9007199254740991" : "9007199254740991";
      expect(JSON.stringify(at(long))).toBe(JSON.stringify(at(huge)).replaceAll(huge, long));
      expect(at(long).map((i) => [i.code, i.path])).toEqual([["out-of-range", ["cache", key]]]);
      expect(at(long)[0]?.message).toContain(`got ${long}.`);
    });

  it("gives a long schema_version the unsupported-version error a huge number gets", () => {
    const r = parseManifest(valid.replace("schema_version = 1", "schema_version = 9223372036854775807"));
    expect(r.issues).toEqual([{
      code: "unsupported-schema-version", severity: "error", path: ["schema_version"], target: "value", data: { replacement: 1 },
      message: "schema_version 9223372036854775807 is not supported. Supported versions: 1. Set schema_version = 1.",
    }]);
  });

  it.each(["9223372036854775808", "-9223372036854775809", "0x10000000000000000"])("still rejects %s, beyond 64 bits, as the one finding on its key", (n) => {
    const r = parseManifest(valid.replace("ttl_seconds = 60", `ttl_seconds = ${n}`));
    expect(r.manifest).toBeUndefined();
    expect(r.issues).toEqual([{ code: "toml-syntax", severity: "error", path: ["cache", "ttl_seconds"], target: "value", message: "TOML syntax error: this integer is too large. Use a smaller number." }]);
  });
});
