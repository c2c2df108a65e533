// What `vsce package` would ship, compared with the list we mean to ship: a stray source map,
// fixture or node_modules file fails here instead of reaching users.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

/** Every file of a folder shipped whole (the feature folder and the node install files). */
function folderFiles(rel: string): string[] {
  const dir = join(root, rel);
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(root.length + 1)) : [];
}

describe("the packaged extension", () => {
  it("contains exactly the bundles, the grammar, the schema, the feature and the broker install files", { timeout: 60_000 }, () => {
    const listed = execFileSync(join(root, "node_modules", ".bin", "vsce"), ["ls", "--no-dependencies", "--readme-path", "extension/README.md"], { cwd: root, encoding: "utf8", timeout: 60_000 })
      .split("\n").map((l) => l.trim()).filter((l) => l !== "").sort();
    const expected = [
      "CHANGELOG.md", "LICENSE", "extension/README.md", "package.json", "package.nls.json", "language-configuration.json",
      "dist/extension.js", "dist/extension-node.js", "dist/extension-push.js", "dist/extension-synthesize.js", "dist/server.js", "dist/webview/audit.js", "dist/remo-broker.js", "dist/peercred.node",
      "images/icon.png", "images/remo-activity.svg", ...folderFiles("media/walkthrough"), "schemas/manifest.v1.json", "syntaxes/remo-manifest.tmLanguage.json",
      // Shipped whole: copied next to devcontainer.json by Synthesize, uploaded by Install Broker.
      ...folderFiles("devcontainer-feature/src/remo-secrets"), "devcontainer-feature/src/remo-secrets/remo-secrets.js",
      ...folderFiles("broker/packaging"),
    ];
    expect(listed).toEqual([...new Set(expected)].sort());
    expect(listed.some((f) => f.endsWith(".map") || f.includes("node_modules/") || f.endsWith(".ts"))).toBe(false);
  });

  it("declares every contributed command with a localized title in the Remo category", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { contributes: { commands: { command: string; title: string; category: string }[] } };
    const nls = JSON.parse(readFileSync(join(root, "package.nls.json"), "utf8")) as Record<string, string>;
    const index = readFileSync(join(root, "extension", "src", "commands", "index.ts"), "utf8");
    const registered = [...index.matchAll(/\["(remo\.[A-Za-z]+)"/g)].map((m) => m[1]).sort();
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    expect(registered).toEqual(contributed);
    for (const c of pkg.contributes.commands) {
      expect(c.category).toBe("Remo");
      expect(c.command).toMatch(/^remo\.[a-z]+[A-Za-z]*$/);
      const key = /^%(.+)%$/.exec(c.title)?.[1];
      expect(key !== undefined && typeof nls[key] === "string", `${c.command} title ${c.title}`).toBe(true);
    }
  });

  it("reads the settings a repository must not choose from machine or user settings only", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { contributes: { configuration: { properties: Record<string, { scope?: string }> } } };
    const scopes = pkg.contributes.configuration.properties;
    // A workspace value of these would let a repository run a command, or pick the feature its container installs.
    expect({ sources: scopes["remo.secretSources"]?.scope, featureId: scopes["remo.devcontainer.featureId"]?.scope }).toEqual({ sources: "application", featureId: "machine" });
  });
});
