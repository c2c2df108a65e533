// Completion of secret names from the project's devcontainer.json `secrets` block: the real
// server over stdio; the client answers remo/workspaceSecretNames the way the extension does,
// by reading the devcontainer.json beside the manifest on disk with the extension's own reader.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { WorkspaceSecretName } from "#protocol/lsp";
import { projectDevcontainerPaths, readSecretsBlock } from "../../extension/src/devcontainer/secrets-block.ts";
import { at } from "../helpers/caret.ts";
import { LspTestClient } from "../helpers/lsp-client.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

const dirs: { cleanup: () => void }[] = [];
const clients: LspTestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) expect(await c.stop()).toBe(0);
  for (const d of dirs.splice(0)) d.cleanup();
});

/** The extension's answer for one manifest: its project's devcontainer.json block, then other manifests' names. */
function answerFromDisk(uri: string): WorkspaceSecretName[] {
  for (const path of projectDevcontainerPaths(fileURLToPath(uri))) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue;
    }
    return readSecretsBlock(text).map((s) => ({ ...s, source: "devcontainer" }));
  }
  return [];
}

function project(devcontainer: string | undefined): { root: string; manifestUri: string } {
  const tmp = makeTempDir("remo-lsp-dc-");
  dirs.push(tmp);
  const root = join(tmp.path, "myrepo");
  mkdirSync(join(root, ".devcontainer"), { recursive: true });
  if (devcontainer !== undefined) writeFileSync(join(root, ".devcontainer", "devcontainer.json"), devcontainer);
  return { root, manifestUri: pathToFileURL(join(root, ".devcontainer", "remo-broker.toml")).toString() };
}

describe("completion from devcontainer.json secrets over stdio", () => {
  it("offers the block's names not yet allowlisted, with their descriptions, after the laptop's names", async () => {
    const { manifestUri } = project(`{
  "image": "mcr.microsoft.com/devcontainers/base:bookworm",
  // what Codespaces asks for
  "secrets": {
    "GITHUB_TOKEN": { "description": "already in the manifest" },
    "SENTRY_AUTH_TOKEN": { "description": "Uploads source maps", "documentationUrl": "https://docs.sentry.io/auth-tokens" },
    "MAPBOX_KEY": {},
  },
}
`);
    const client = await LspTestClient.start({ workspaceNames: answerFromDisk });
    clients.push(client);
    const f = at("schema_version = 1\n[project]\nname = \"myrepo\"\n[allowlist]\nsecrets = [\"GITHUB_TOKEN\", <|>]\n");
    await client.open(manifestUri, f.text);
    await client.sendSecretState([{ name: "LAPTOP_ONLY", hasValue: true }]);
    const items = await client.completion(manifestUri, f.position);
    const sorted = [...items].sort((a, b) => (a.sortText ?? "").localeCompare(b.sortText ?? ""));
    expect(sorted.slice(0, 3).map((i) => ({ label: i.label, detail: i.detail, documentation: i.documentation, newText: i.textEdit?.newText }))).toEqual([
      { label: "LAPTOP_ONLY", detail: "value set on this laptop", documentation: undefined, newText: "\"LAPTOP_ONLY\"" },
      { label: "MAPBOX_KEY", detail: "listed in devcontainer.json \"secrets\"", documentation: undefined, newText: "\"MAPBOX_KEY\"" },
      { label: "SENTRY_AUTH_TOKEN", detail: "listed in devcontainer.json \"secrets\"", documentation: { kind: "markdown", value: "Uploads source maps\n\n[Documentation](https://docs.sentry.io/auth-tokens)" }, newText: "\"SENTRY_AUTH_TOKEN\"" },
    ]);
    expect(items.map((i) => i.label)).not.toContain("GITHUB_TOKEN");
  });

  it("offers nothing from a project whose devcontainer.json is missing, has no block or is not JSON, and stays up", async () => {
    for (const text of [undefined, "{ \"image\": \"x\" }", "not json at all", "{ \"secrets\": [\"NOT_AN_OBJECT\"] }"]) {
      const { manifestUri } = project(text);
      const client = await LspTestClient.start({ workspaceNames: answerFromDisk });
      clients.push(client);
      const f = at("[allowlist]\nsecrets = [<|>]\n");
      await client.open(manifestUri, f.text);
      const items = await client.completion(manifestUri, f.position);
      expect(items.filter((i) => i.detail === "listed in devcontainer.json \"secrets\"").map((i) => i.label), text).toEqual([]);
      expect(items.map((i) => i.label)).toContain("GITHUB_TOKEN");
      expect(client.alive).toBe(true);
    }
  });

  it("still offers the names of a devcontainer.json in the middle of an edit", async () => {
    const { manifestUri } = project("{\n  \"secrets\": {\n    \"HALF_TYPED\": { \"descr");
    const client = await LspTestClient.start({ workspaceNames: answerFromDisk });
    clients.push(client);
    const f = at("[allowlist]\nsecrets = [<|>]\n");
    await client.open(manifestUri, f.text);
    expect((await client.completion(manifestUri, f.position)).filter((i) => i.detail === "listed in devcontainer.json \"secrets\"").map((i) => i.label)).toEqual(["HALF_TYPED"]);
  });

  it("survives a client that answers with malformed entries", async () => {
    const client = await LspTestClient.start({ workspaceNames: () => [{ name: "GOOD_ONE", source: "devcontainer" }, { bogus: true } as unknown as WorkspaceSecretName, { name: "bad-name", source: "devcontainer" }] });
    clients.push(client);
    const uri = project(undefined).manifestUri;
    const f = at("[allowlist]\nsecrets = [\"<|>\"]\n");
    await client.open(uri, f.text);
    const items = await client.completion(uri, f.position);
    expect(items.filter((i) => i.detail === "listed in devcontainer.json \"secrets\"").map((i) => i.label)).toEqual(["GOOD_ONE"]);
    expect(client.alive).toBe(true);
  });
});
