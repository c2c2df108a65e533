import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// typage's "should tree shake" test, turned on our bundles: the dependency arrows (docs/architecture.md#dependency-direction)
// hold in what we ship, not only in the source, and no bundle quietly doubles in size.
interface Meta { inputs: Record<string, unknown> }
const metas = JSON.parse(readFileSync("dist/meta.json", "utf8")) as Record<string, Meta>;

function packagesIn(bundle: string): Set<string> {
  const meta = metas[bundle];
  if (!meta) throw new Error(`dist/meta.json has no bundle "${bundle}": run npm run build`);
  const out = new Set<string>();
  for (const input of Object.keys(meta.inputs)) {
    const tail = input.split("node_modules/").at(-1);
    if (tail === undefined || tail === input) continue;
    const parts = tail.split("/");
    out.add(parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!);
  }
  return out;
}

const forbidden: Record<string, string[]> = {
  "remo-secrets": ["vscode-languageserver", "vscode-jsonrpc", "ssh2", "smol-toml", "age-encryption", "ajv", "jsonc-parser"],
  "remo-broker": ["ssh2", "vscode-languageserver", "vscode-languageclient", "vscode-jsonrpc", "jsonc-parser"],
  "server": ["ssh2", "age-encryption", "vscode-languageclient", "jsonc-parser"],
  // ssh2, age-encryption and js-yaml load on first use, from the extension's lazy parts: never at activation.
  "extension": ["vscode-languageserver", "ssh2", "age-encryption", "js-yaml"],
  "extension-node": ["vscode-languageserver", "vscode-languageclient", "age-encryption"],
  "extension-push": ["vscode-languageserver", "vscode-languageclient", "ssh2"],
  "extension-synthesize": ["vscode-languageserver", "vscode-languageclient", "ssh2", "age-encryption"],
  "remo-secrets-synthesize": ["ssh2", "age-encryption", "vscode-languageclient", "vscode-languageserver"],
};

// Budgets for the development build (unminified, what the tests run); the .vsix is checked separately.
const budgets: Record<string, [string, number]> = {
  "remo-secrets": ["dist/remo-secrets.js", 80 * 1024],
  "remo-broker": ["dist/remo-broker.js", 700 * 1024],
  "server": ["dist/server.js", 900 * 1024],
  "extension": ["dist/extension.js", 3 * 1024 * 1024],
  "extension-node": ["dist/extension-node.js", 1536 * 1024],
  "extension-push": ["dist/extension-push.js", 1536 * 1024],
  "extension-synthesize": ["dist/extension-synthesize.js", 512 * 1024],
};

describe("dist bundles", () => {
  it.each(Object.entries(forbidden))("%s pulls in none of its forbidden packages", (bundle, banned) => {
    const found = [...packagesIn(bundle)].filter((p) => banned.includes(p));
    expect(found).toEqual([]);
  });

  it("the client bundle carries no third-party code at all", () => {
    expect([...packagesIn("remo-secrets")]).toEqual([]);
  });

  it("the activation bundle reaches its lazy parts by a require of their files, which load without VS Code", () => {
    const code = readFileSync("dist/extension.js", "utf8");
    expect([...code.matchAll(/require\("\.\/(extension-[a-z]+\.js)"\)/g)].map((m) => m[1]).sort()).toEqual(["extension-node.js", "extension-push.js", "extension-synthesize.js"]);
    expect(readFileSync("dist/extension-push.js", "utf8")).toContain("require(\"./extension-node.js\")");
    const load = createRequire(join(process.cwd(), "dist", "extension.js"));
    const node = load("./extension-node.js") as Record<string, unknown>;
    const push = load("./extension-push.js") as Record<string, unknown>;
    const synthesize = load("./extension-synthesize.js") as Record<string, unknown>;
    expect({ node: Object.keys(node).sort(), push: Object.keys(push), synthesize: Object.keys(synthesize) }).toEqual({ node: ["NodeClient", "probeNode"], push: ["pushSecrets"], synthesize: ["synthesizeWorkspace"] });
  });

  it.each(Object.entries(budgets))("%s stays within its size budget", (_bundle, [file, max]) => {
    expect(statSync(file).size).toBeLessThanOrEqual(max);
  });
});
