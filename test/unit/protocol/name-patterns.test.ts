import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeProjectName, projectNamePattern, projectNameRule, secretNamePattern, secretNameRule, suggestSecretName } from "#protocol";
import * as names from "#protocol/names";

const json = (file: string): unknown => JSON.parse(readFileSync(file, "utf8"));
const at = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], v);

describe("name patterns", () => {
  it("come from the manifest schema, and #protocol/names is the same definition as #protocol", () => {
    const schema = json("schemas/manifest.v1.json");
    expect(projectNamePattern.source).toBe(at(schema, "properties", "project", "properties", "name", "pattern"));
    expect(secretNamePattern.source).toBe(at(schema, "properties", "allowlist", "properties", "secrets", "items", "pattern"));
    expect(names.secretNamePattern).toBe(secretNamePattern);
    expect(names.projectNamePattern).toBe(projectNamePattern);
  });

  // JSON files cannot import a pattern: they repeat it, and this keeps every copy equal.
  it("are repeated unchanged by the wire and audit schemas and the secretSources setting", () => {
    const wire = json("schemas/wire.v2.json");
    const audit = json("schemas/audit.v1.json");
    const pkg = json("package.json");
    expect([at(wire, "definitions", "ProjectName", "pattern"), at(audit, "properties", "project", "pattern")]).toEqual([projectNamePattern.source, projectNamePattern.source]);
    expect([
      at(wire, "definitions", "SecretName", "pattern"),
      at(audit, "properties", "secret", "pattern"),
      at(pkg, "contributes", "configuration", "properties", "remo.secretSources", "propertyNames", "pattern"),
    ]).toEqual([secretNamePattern.source, secretNamePattern.source, secretNamePattern.source]);
  });

  it("give the lengths and characters the messages name", () => {
    expect(projectNameRule).toMatchObject({ minLength: 1, maxLength: 64, firstChars: "a-z0-9", chars: "a-z0-9_-" });
    expect(secretNameRule).toMatchObject({ minLength: 1, maxLength: 128, firstChars: "A-Za-z0-9_", chars: "A-Za-z0-9_" });
    expect([secretNamePattern.test("A".repeat(128)), secretNamePattern.test("A".repeat(129))]).toEqual([true, false]);
    expect([projectNamePattern.test("a".repeat(64)), projectNamePattern.test("a".repeat(65))]).toEqual([true, false]);
  });

  it("normalise to a name the pattern accepts, cut to the maximum length", () => {
    expect(normalizeProjectName(`X${"y".repeat(80)}`)).toBe(`x${"y".repeat(63)}`);
    expect(suggestSecretName(`my-token.${"a".repeat(200)}`)).toBe(`my_token_${"a".repeat(119)}`);
    expect(suggestSecretName("---")).toBe("MY_TOKEN");
  });
});
