import { fork } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiagnosticSeverity } from "vscode-languageserver-protocol";
import { createProtocolConnection, InitializeRequest, IPCMessageReader, IPCMessageWriter, PublishDiagnosticsNotification, type PublishDiagnosticsParams } from "vscode-languageserver-protocol/node";
import { at } from "../helpers/caret.ts";
import { applyEdits, LspTestClient, manifestUri, serverPath } from "../helpers/lsp-client.ts";

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
    expect(caps).toMatchObject({ positionEncoding: "utf-16", textDocumentSync: 2, hoverProvider: true, documentSymbolProvider: true, documentFormattingProvider: true, codeLensProvider: { resolveProvider: false } });
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

  it("clears a document's diagnostics when it is closed", async () => {
    const uri = manifestUri("closing");
    expect(await client.open(uri, "schema_version = 9\n")).not.toEqual([]);
    await client.close(uri);
    await expect.poll(() => client.published.get(uri)?.diagnostics, { timeout: 30_000 }).toEqual([]);
  });
});

describe("language server transports and debounce", () => {
  it("coalesces a burst of changes into one publish for the last version", async () => {
    // A long debounce makes the coalescing observable without racing the clock: five changes sent
    // back to back all land inside it, so the first publish after the open is for the last one.
    const client = await LspTestClient.start({ initializationOptions: { diagnosticDelayMs: 2_000 } });
    try {
      const uri = manifestUri("burst");
      await client.open(uri, "schema_version = 1\n");
      for (let v = 2; v <= 6; v++) await client.change(uri, `schema_version = ${v}\n`, false);
      const d = await client.waitForDiagnostics(uri, 6);
      expect(d.find((x) => x.code === "unsupported-schema-version")?.message).toBe("schema_version 6 is not supported. Supported versions: 1. Set schema_version = 1.");
      expect(client.publishHistory.filter((p) => p.uri === uri).map((p) => p.version)).toEqual([1, 6]);
    } finally {
      expect(await client.stop()).toBe(0);
    }
  });

  it("also speaks node IPC (--node-ipc), the extension's other transport", async () => {
    const child = fork(serverPath, ["--node-ipc"], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const published = new Promise<PublishDiagnosticsParams>((resolve) => { connection.onNotification(PublishDiagnosticsNotification.type, resolve); });
    connection.listen();
    try {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- InitializeParams still requires rootUri
      const init = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: {}, initializationOptions: { diagnosticDelayMs: 0 } });
      expect(init.capabilities.hoverProvider).toBe(true);
      await connection.sendNotification("initialized", {});
      await connection.sendNotification("textDocument/didOpen", { textDocument: { uri: manifestUri("ipc"), languageId: "remo-manifest", version: 1, text: "schema_version = 1\n[project]\nname = \"ipc\"\n[allowlist]\nsecrets = [\"A\", \"A\"]\n" } });
      expect((await published).diagnostics.map((d) => [d.code, d.severity])).toEqual([["duplicate-secret", 3], ["duplicate-secret", 1]]);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await connection.sendRequest("shutdown");
      await connection.sendNotification("exit");
      await exited;
      connection.dispose();
    }
  });
});
