import { describe, expect, it } from "vitest";
import { parse } from "jsonc-parser";
import { describeSecret, projectDevcontainerPaths, readSecretsBlock } from "../../../extension/src/devcontainer/secrets-block.ts";
import { synthesizeDevcontainer } from "../../../extension/src/devcontainer/synthesize.ts";
import { synthesizeWorkspace, type WorkspaceFs } from "../../../extension/src/devcontainer/synthesize-workspace.ts";
import { devcontainerSchemaErrors } from "./devcontainer-schema.ts";

const base = { projectName: "myrepo", markers: ["package.json"], featureRef: "./remo-secrets" };
const secrets = [{ name: "GITHUB_TOKEN", description: "for gh" }, { name: "NPM_TOKEN", description: "for npm" }];

/** An in-memory WorkspaceFs (a fake is fine in a unit test of one module). */
function memFs(files: Record<string, string>): WorkspaceFs & { files: Map<string, string> } {
  const map = new Map(Object.entries(files));
  const enc = new TextEncoder();
  return {
    files: map,
    readFile: (p) => Promise.resolve(map.has(p) ? enc.encode(map.get(p)) : undefined),
    writeFile: (p, d) => { map.set(p, new TextDecoder().decode(d)); return Promise.resolve(); },
    readDirectory: (p) => Promise.resolve([...new Set([...map.keys()].filter((k) => k.startsWith(`${p}/`)).map((k) => k.slice(p.length + 1).split("/")[0]!))]),
  };
}

describe("the devcontainer.json secrets block", () => {
  it("is part of a created file, schema-valid, and synthesis on it changes nothing", () => {
    const created = synthesizeDevcontainer({ ...base, secrets });
    expect((parse(created.text) as { secrets?: unknown }).secrets).toEqual({ GITHUB_TOKEN: { description: "for gh" }, NPM_TOKEN: { description: "for npm" } });
    expect(created.changes.at(-1)).toBe("Added \"secrets\" listing GITHUB_TOKEN, NPM_TOKEN, so tools that read devcontainer.json know the project needs them.");
    expect(devcontainerSchemaErrors(created.text)).toEqual([]);
    const again = synthesizeDevcontainer({ ...base, secrets, existing: created.text });
    expect({ text: again.text, changes: again.changes }).toEqual({ text: created.text, changes: [] });
  });

  it("is left out of a created file when the allowlist is empty", () => {
    expect((parse(synthesizeDevcontainer({ ...base, secrets: [] }).text) as { secrets?: unknown }).secrets).toBeUndefined();
  });

  it("skips names the dev container schema rejects, and says so", () => {
    const r = synthesizeDevcontainer({ ...base, existing: "{\n  \"image\": \"node:20\"\n}\n", secrets: [{ name: "2FA_SEED" }, { name: "_PRIVATE" }] });
    expect((parse(r.text) as { secrets?: unknown }).secrets).toEqual({ _PRIVATE: {} });
    expect(r.notes).toContain("Not listed in \"secrets\" (the dev container spec wants names that start with a letter or '_'): 2FA_SEED.");
    expect(devcontainerSchemaErrors(r.text)).toEqual([]);
  });

  it("lists a name the manifest repeats once, in a new block and in an existing one", () => {
    const twice = [{ name: "GITHUB_TOKEN" }, { name: "NPM_TOKEN" }, { name: "GITHUB_TOKEN" }, { name: "NPM_TOKEN" }];
    expect(Object.keys((parse(synthesizeDevcontainer({ ...base, secrets: twice }).text) as { secrets: object }).secrets)).toEqual(["GITHUB_TOKEN", "NPM_TOKEN"]);
    const r = synthesizeDevcontainer({ ...base, existing: "{\n  \"image\": \"node:20\",\n  \"secrets\": {}\n}\n", secrets: twice });
    expect(readSecretsBlock(r.text).map((s) => s.name)).toEqual(["GITHUB_TOKEN", "NPM_TOKEN"]);
    expect(devcontainerSchemaErrors(r.text)).toEqual([]);
  });

  it("reports a secrets property that is not an object instead of touching it", () => {
    const existing = "{\n  \"image\": \"node:20\",\n  \"secrets\": [\"GITHUB_TOKEN\"]\n}\n";
    const r = synthesizeDevcontainer({ ...base, existing, secrets });
    expect(parse(r.text)).toMatchObject({ secrets: ["GITHUB_TOKEN"] });
    expect(r.notes).toContain("\"secrets\" is not an object, so the manifest's names were not listed there. Make it an object ({ \"NAME\": { \"description\": \"…\" } }) and synthesize again.");
  });

  it("comes from the workspace's manifest, with descriptions naming the manifest", async () => {
    const fs = memFs({ "/w/app/.devcontainer/remo-broker.toml": "schema_version = 1\n[project]\nname = \"app\"\n[allowlist]\nsecrets = [\"GITHUB_TOKEN\", \"NPM_TOKEN\"]\n" });
    const r = await synthesizeWorkspace("/w/app", fs, { featureRef: "ghcr.io/acme/remo-secrets:1", write: true });
    expect(readSecretsBlock(r.after)).toEqual([
      { name: "GITHUB_TOKEN", description: describeSecret("GITHUB_TOKEN", "app", ".devcontainer/remo-broker.toml") },
      { name: "NPM_TOKEN", description: describeSecret("NPM_TOKEN", "app", ".devcontainer/remo-broker.toml") },
    ]);
    expect(describeSecret("NPM_TOKEN", "app", ".remo/broker.toml")).toBe("Allowlisted for app in .remo/broker.toml; Remo Secrets delivers it from your laptop to the container (remo-secrets get NPM_TOKEN).");
    // A name added to the manifest later is appended; nothing else changes.
    fs.files.set("/w/app/.devcontainer/remo-broker.toml", "schema_version = 1\n[project]\nname = \"app\"\n[allowlist]\nsecrets = [\"GITHUB_TOKEN\", \"NPM_TOKEN\", \"PYPI_TOKEN\"]\n");
    const more = await synthesizeWorkspace("/w/app", fs, { featureRef: "ghcr.io/acme/remo-secrets:1", write: true });
    expect(more.changes).toEqual(["Listed PYPI_TOKEN in \"secrets\"."]);
    expect(readSecretsBlock(more.after).map((s) => s.name)).toEqual(["GITHUB_TOKEN", "NPM_TOKEN", "PYPI_TOKEN"]);
  });
});

describe("readSecretsBlock", () => {
  it("reads names, descriptions and documentation links from JSONC with comments", () => {
    const text = `{
  // recommended secrets
  "secrets": {
    "GITHUB_TOKEN": { "description": "A PAT", "documentationUrl": "https://example.com/pat" }, // trailing
    "PLAIN": {},
    "ODD": 3,
  },
}`;
    expect(readSecretsBlock(text)).toEqual([
      { name: "GITHUB_TOKEN", description: "A PAT", documentationUrl: "https://example.com/pat" },
      { name: "PLAIN" },
      { name: "ODD" },
    ]);
  });

  it("returns nothing for a file without a block, a non-object block, or text that is not JSON", () => {
    expect([readSecretsBlock("{}"), readSecretsBlock("{\"secrets\": []}"), readSecretsBlock("not json"), readSecretsBlock("")]).toEqual([[], [], [], []]);
  });
});

describe("projectDevcontainerPaths", () => {
  it("finds the devcontainer.json beside .devcontainer/remo-broker.toml, and the project's for .remo/broker.toml", () => {
    expect(projectDevcontainerPaths("/w/app/.devcontainer/remo-broker.toml")).toEqual(["/w/app/.devcontainer/devcontainer.json"]);
    expect(projectDevcontainerPaths("/w/app/.remo/broker.toml")).toEqual(["/w/app/.devcontainer/devcontainer.json", "/w/app/.devcontainer.json"]);
    expect(projectDevcontainerPaths("/w/app/notes.toml")).toEqual([]);
  });
});
