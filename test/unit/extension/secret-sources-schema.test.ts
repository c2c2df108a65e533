import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { presetIds } from "../../../extension/src/secrets/secret-presets.ts";
import { parseSecretSources } from "../../../extension/src/secrets/secret-sources.ts";

// The settings.json completion for remo.secretSources comes from package.json's configuration
// schema; it must offer exactly the presets the code accepts, and agree with the parser.
const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { contributes: { configuration: { properties: Record<string, Record<string, unknown>> } } };
const schema = pkg.contributes.configuration.properties["remo.secretSources"] ?? {};
const entrySchema = schema.additionalProperties as { oneOf: { properties?: { preset?: { enum: string[]; enumDescriptions: string[] } } }[]; defaultSnippets: { body: { preset?: string } }[] };

describe("the remo.secretSources configuration schema", () => {
  it("offers every preset with a description and a snippet", () => {
    const preset = entrySchema.oneOf.find((o) => o.properties?.preset !== undefined)?.properties?.preset;
    expect(preset?.enum).toEqual([...presetIds]);
    expect(preset?.enumDescriptions).toHaveLength(presetIds.length);
    expect(entrySchema.defaultSnippets.map((s) => s.body.preset).filter((p) => p !== undefined)).toEqual([...presetIds]);
  });

  it("accepts what the parser accepts and rejects entries it rejects", () => {
    const validate = new Ajv({ strict: false }).compile(schema);
    const good = { A: { preset: "1password", reference: "op://P/I/f" }, B: { preset: "gh" }, C: { env: "X" }, D: { command: ["gh", "auth", "token"] } };
    expect(validate(good)).toBe(true);
    expect(parseSecretSources(good).problems).toEqual([]);
    for (const bad of [{ A: { preset: "lastpass" } }, { A: { preset: "gh", command: ["sh"] } }, { "bad-name": { env: "X" } }, { A: { env: "X", command: ["y"] } }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
      expect(parseSecretSources(bad).problems, JSON.stringify(bad)).toHaveLength(1);
    }
  });
});
