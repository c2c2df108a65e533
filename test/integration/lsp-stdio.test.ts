import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiagnosticSeverity } from "vscode-languageserver-protocol";
import { at } from "../helpers/caret.ts";
import { applyEdits, LspTestClient, manifestUri } from "../helpers/lsp-client.ts";

const valid = `schema_version = 1

[project]
name = "myrepo"

[allowlist]
secrets = ["GITHUB_TOKEN", "NPM_TOKEN"]
`;

describe("language server over stdio", () => {
  let client: LspTestClient;
  beforeAll(async () => { client = await LspTestClient.start(); });
  afterAll(async () => { expect(await client.stop()).toBe(0); });

  it("announces its capabilities when initialized", () => {
    const caps = client.initializeResult.capabilities;
    expect(caps).toMatchObject({ textDocumentSync: 2, hoverProvider: true, documentSymbolProvider: true, documentFormattingProvider: true, codeLensProvider: { resolveProvider: false } });
    expect(caps.completionProvider?.triggerCharacters).toEqual(["\"", "[", ",", "="]);
    expect(caps.diagnosticProvider).toBeUndefined();
  });

  it("publishes no diagnostics for a valid manifest", async () => {
    expect(await client.open(manifestUri("myrepo"), valid)).toEqual([]);
  });

  it("publishes exact ranges, codes and messages on open and after each change", async () => {
    const uri = manifestUri("myrepo", ".remo/broker.toml");
    expect(await client.open(uri, valid)).toEqual([]);
    const broken = valid.replace("secrets = [", "secret = [");
    expect(await client.change(uri, broken)).toEqual([
      { range: { start: { line: 5, character: 0 }, end: { line: 5, character: 11 } }, severity: DiagnosticSeverity.Error, code: "missing-key", source: "remo",
        message: "Missing required key \"secrets\" in [allowlist]. Add secrets = [\"GITHUB_TOKEN\"].", data: { key: "secrets", parent: ["allowlist"], isTable: false } },
      { range: { start: { line: 6, character: 0 }, end: { line: 6, character: 6 } }, severity: DiagnosticSeverity.Error, code: "unknown-key", source: "remo",
        message: "Unknown key \"secret\". Did you mean \"secrets\"? Allowed keys in [allowlist]: secrets.", data: { key: "secret", suggestion: "secrets" } },
    ]);
    // An incremental edit back to the valid text clears them.
    expect(await client.change(uri, [{ range: { start: { line: 6, character: 0 }, end: { line: 6, character: 6 } }, text: "secrets" }])).toEqual([]);
  });

  it("accepts language id toml for a manifest path and ignores other toml files", async () => {
    expect((await client.open(manifestUri("tomlid"), "schema_version = 3\n", "toml")).map((d) => d.code)).toEqual(["missing-key", "missing-key", "unsupported-schema-version"]);
    await client.openOnly("file:///workspace/myrepo/Cargo.toml", "[package]\nname = 1\n", "toml");
    expect(await client.codeLenses("file:///workspace/myrepo/Cargo.toml")).toEqual([]);
    expect(client.published.has("file:///workspace/myrepo/Cargo.toml")).toBe(false);
  });

  it("completes secret names inside the allowlist", async () => {
    const uri = manifestUri("compl");
    const f = at(`schema_version = 1\n[project]\nname = "compl"\n[allowlist]\nsecrets = ["GITHUB_TOKEN", "<|>"]\n`);
    await client.open(uri, f.text);
    const items = await client.completion(uri, f.position);
    const labels = items.map((i) => i.label);
    expect(labels).toContain("NPM_TOKEN");
    expect(labels).not.toContain("GITHUB_TOKEN");
  });

  it("applies a quick fix the server offers for a diagnostic", async () => {
    const uri = manifestUri("fixme");
    const text = `schema_version = 1\n[project]\nname = "other"\n[allowlist]\nsecrets = []\n`;
    const diags = await client.open(uri, text);
    const mismatch = diags.find((d) => d.code === "project-name-mismatch");
    expect(mismatch?.range).toEqual({ start: { line: 2, character: 7 }, end: { line: 2, character: 14 } });
    const actions = await client.codeActions(uri, mismatch!.range, [mismatch!]);
    expect(actions.map((a) => a.title)).toEqual(["Set project name to \"fixme\""]);
    const fixed = applyEdits(text, actions[0]!.edit!.changes![uri]!);
    expect(await client.change(uri, fixed)).toEqual([]);
  });
});
