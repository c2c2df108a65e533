import { afterEach, describe, expect, it } from "vitest";
import { DiagnosticSeverity, type Diagnostic } from "vscode-languageserver-protocol";
import { at } from "../helpers/caret.ts";
import { applyEdits, LspTestClient, manifestUri } from "../helpers/lsp-client.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";

const manifest = `schema_version = 1

[project]
name = "myrepo"

[allowlist]
secrets = ["GITHUB_TOKEN", "NPM_TOKEN"]
`;

const clients: LspTestClient[] = [];
async function start(options: Parameters<typeof LspTestClient.start>[0] = {}): Promise<LspTestClient> {
  const c = await LspTestClient.start(options);
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) expect(await c.stop()).toBe(0);
});

describe("language server features over stdio", () => {
  it("hovers a key with its schema text and the broker default", async () => {
    const client = await start();
    const uri = manifestUri("myrepo");
    const f = at("[cache]\nmax_ent<|>ries = 10\n");
    await client.open(uri, f.text);
    expect(await client.hover(uri, f.position)).toEqual({
      contents: { kind: "markdown", value: "**cache.max_entries**\n\nHow many decoded values the broker keeps cached for this project: `1`–`1024`.\n\nBroker default: `64`; a larger value here is capped to the broker's.\n\nRange: 1–1024. Broker default: 64 (a manifest can only lower it)." },
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 11 } },
    });
  });

  it("completes names from the laptop, the workspace (asked of the client) and common ones, never already-listed ones", async () => {
    const client = await start({ workspaceNames: () => ["TEAM_DEPLOY_KEY", "GITHUB_TOKEN"] });
    const uri = manifestUri("myrepo");
    const f = at("schema_version = 1\n[project]\nname = \"myrepo\"\n[allowlist]\nsecrets = [\"GITHUB_TOKEN\", <|>]\n");
    await client.open(uri, f.text);
    await client.sendSecretState([{ name: "LAPTOP_ONLY", hasValue: false }, { name: "GITHUB_TOKEN", hasValue: true }]);
    await client.waitForDiagnostics(uri, 1);
    const items = await client.completion(uri, f.position);
    expect(client.workspaceNameRequests).toBeGreaterThanOrEqual(1);
    // Editors order by sortText: laptop names, then the workspace's, then common ones.
    const sorted = [...items].sort((a, b) => (a.sortText ?? "").localeCompare(b.sortText ?? ""));
    expect(sorted.slice(0, 3).map((i) => [i.label, i.detail])).toEqual([
      ["LAPTOP_ONLY", "known on this laptop, no value yet"],
      ["TEAM_DEPLOY_KEY", "used in another manifest of this workspace"],
      ["ANTHROPIC_API_KEY", "common secret name"],
    ]);
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(["NPM_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "CARGO_REGISTRY_TOKEN"]));
    expect(items.map((i) => i.label)).not.toContain("GITHUB_TOKEN");
    expect(items.find((i) => i.label === "NPM_TOKEN")?.textEdit).toEqual({ range: { start: f.position, end: f.position }, newText: "\"NPM_TOKEN\"" });
  });

  it("still completes when the client never answers remo/workspaceSecretNames", async () => {
    const client = await start({ workspaceNames: "never", initializationOptions: { workspaceNamesTimeoutMs: 200 } });
    const uri = manifestUri("myrepo");
    const f = at("[allowlist]\nsecrets = [\"<|>\"]\n");
    await client.open(uri, f.text);
    const items = await client.completion(uri, f.position);
    expect(items.map((i) => i.label)).toContain("GITHUB_TOKEN");
    expect(client.alive).toBe(true);
  });

  it("uses a late answer to remo/workspaceSecretNames for later completions", async () => {
    let open: (names: string[]) => void = () => undefined;
    const gate = new Promise<string[]>((resolve) => { open = resolve; });
    const client = await start({ workspaceNames: () => gate, initializationOptions: { workspaceNamesTimeoutMs: 100 } });
    const uri = manifestUri("myrepo");
    const f = at("[allowlist]\nsecrets = [<|>]\n");
    await client.open(uri, f.text);
    // The client has not answered (the gate is shut): completion goes on without workspace names.
    expect((await client.completion(uri, f.position)).map((i) => i.label)).not.toContain("SLOW_TEAM_KEY");
    open(["SLOW_TEAM_KEY"]);
    await expect.poll(async () => (await client.completion(uri, f.position)).map((i) => i.label), { timeout: 30_000 }).toContain("SLOW_TEAM_KEY");
  });

  it("offers the whole-manifest snippet in an empty file, named after the folder", async () => {
    const client = await start();
    const uri = manifestUri("web-app", ".remo/broker.toml");
    await client.open(uri, "");
    const [item] = await client.completion(uri, { line: 0, character: 0 });
    expect(item?.insertTextFormat).toBe(2);
    expect(item?.textEdit).toEqual({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: "schema_version = 1\n\n[project]\nname = \"${1:web-app}\"\n\n[allowlist]\nsecrets = [${2:\"GITHUB_TOKEN\"}]\n" });
  });

  it("warns about allowlisted names without a value once secret state arrives, with a Set value… fix and lenses", async () => {
    const client = await start();
    const uri = manifestUri("myrepo");
    expect(await client.open(uri, manifest)).toEqual([]);
    expect(await client.codeLenses(uri)).toEqual([]);
    const fetched = new Date(Date.now() - 5 * 60_000 - 5_000).toISOString();
    await client.sendSecretState([{ name: "GITHUB_TOKEN", hasValue: true, lastFetchedAt: fetched }, { name: "NPM_TOKEN", hasValue: false }]);
    let diagnostics: Diagnostic[] = [];
    await expect.poll(async () => { diagnostics = await client.waitForDiagnostics(uri, 1); return diagnostics.length; }, { timeout: 30_000 }).toBe(1);
    expect(diagnostics).toEqual([{
      range: { start: { line: 6, character: 27 }, end: { line: 6, character: 38 } }, severity: DiagnosticSeverity.Warning, code: "secret-value-missing", source: "remo",
      message: "No value for \"NPM_TOKEN\" on this laptop, so a push would leave it unset. Use the quick fix \"Set value…\" to store one.", data: { name: "NPM_TOKEN" },
    }]);
    const actions = await client.codeActions(uri, diagnostics[0]!.range, diagnostics);
    expect(actions.map((a) => [a.title, a.command])).toEqual([["Set value for \"NPM_TOKEN\"…", { title: "Set value…", command: "remo.setSecret", arguments: ["NPM_TOKEN"] }]]);
    expect((await client.codeLenses(uri)).map((l) => [l.range.start, l.command])).toEqual([
      [{ line: 6, character: 11 }, { title: "GITHUB_TOKEN: value set · fetched 5 min ago", command: "" }],
      [{ line: 6, character: 27 }, { title: "NPM_TOKEN: no value on this laptop — Set value…", command: "remo.setSecret", arguments: ["NPM_TOKEN"] }],
    ]);
    expect(client.codeLensRefreshes).toBeGreaterThanOrEqual(1);
  });

  it("serves pull diagnostics instead of pushing when the client supports them", async () => {
    const client = await start({ pull: true });
    expect(client.initializeResult.capabilities.diagnosticProvider).toEqual({ interFileDependencies: false, workspaceDiagnostics: false });
    const uri = manifestUri("myrepo");
    await client.openOnly(uri, manifest.replace("schema_version = 1", "schema_version = 7"));
    expect(await client.pullDiagnostics(uri)).toEqual({ kind: "full", items: [{
      range: { start: { line: 0, character: 17 }, end: { line: 0, character: 18 } }, severity: DiagnosticSeverity.Error, code: "unsupported-schema-version", source: "remo",
      message: "schema_version 7 is not supported. Supported versions: 1. Set schema_version = 1.", data: { replacement: 1 },
    }] });
    await client.sendSecretState([]);
    await expect.poll(() => client.diagnosticRefreshes, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const report = await client.pullDiagnostics(uri);
    expect(report.kind === "full" ? report.items.map((d) => d.code) : report).toEqual(["unsupported-schema-version", "secret-value-missing", "secret-value-missing"]);
    expect(client.published.size).toBe(0);
  });

  it("lists document symbols and formats, keeping comments", async () => {
    const client = await start();
    const uri = manifestUri("myrepo");
    const text = "schema_version=1\n[project]  \nname=\"myrepo\" # the folder\n\n\n[allowlist]\nsecrets=[\"A\"]";
    await client.open(uri, text);
    const symbols = await client.documentSymbols(uri);
    expect(symbols.map((s) => [s.name, s.children?.map((c) => c.name)])).toEqual([["schema_version", []], ["project", ["name"]], ["allowlist", ["secrets"]]]);
    const edits = await client.format(uri);
    expect(applyEdits(text, edits)).toBe("schema_version = 1\n\n[project]\nname = \"myrepo\" # the folder\n\n[allowlist]\nsecrets = [\"A\"]\n");
  });

  it("keeps reporting while a line is typed character by character", async () => {
    const client = await start({ initializationOptions: { diagnosticDelayMs: 0 } });
    const uri = manifestUri("myrepo");
    const base = "schema_version = 1\n[project]\nname = \"myrepo\"\n[allowlist]\nsecrets = []\n[cache]\nttl_seconds = 0\n";
    await client.open(uri, base);
    const typed = "description = \"x\"";
    for (let i = 1; i <= typed.length; i++) {
      const d = await client.change(uri, [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: i === 1 ? `${typed.slice(0, 1)}\n` : typed.charAt(i - 1) }].map((c) => (i === 1 ? c : { ...c, range: { start: { line: 3, character: i - 1 }, end: { line: 3, character: i - 1 } } })));
      // Whatever the half-typed line says, the cache finding further down is never hidden by it.
      expect(d.map((x) => x.code), `after typing ${JSON.stringify(typed.slice(0, i))}`).toContain("out-of-range");
    }
  });

  it("debounces bursts of changes and publishes for the latest text", async () => {
    const client = await start();
    const uri = manifestUri("myrepo");
    await client.open(uri, manifest);
    for (let v = 0; v < 5; v++) await client.change(uri, manifest.replace("schema_version = 1", `schema_version = ${v + 2}`), false);
    const d = await client.waitForDiagnostics(uri, 6);
    expect(d.map((x) => x.message)).toEqual(["schema_version 6 is not supported. Supported versions: 1. Set schema_version = 1."]);
  });

  it("never writes a pasted secret value to its log, stderr or messages", async () => {
    const client = await start();
    const sentinel = makeSentinel("ghp");
    const uri = manifestUri("myrepo");
    const text = manifest.replace("\"NPM_TOKEN\"", `"${sentinel}-x"`).replace("name = \"myrepo\"", `name = "myrepo"\ndescription = "${sentinel}${"x".repeat(300)}"`);
    const d = await client.open(uri, text);
    expect(d.map((x) => x.code)).toEqual(["description-too-long", "bad-secret-name"]);
    await client.hover(uri, { line: 4, character: 20 });
    await client.completion(uri, { line: 7, character: 30 });
    const messages = d.map((x) => (typeof x.message === "string" ? x.message : x.message.value)).join("\n");
    expect(findLeaks(sentinel, { stderr: client.stderr, log: client.logs.join("\n"), messages })).toEqual([]);
  });
});
