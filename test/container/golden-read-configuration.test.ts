// Every synthesized golden devcontainer.json, read by the real CLI against podman: what the
// CLI reads must be what jsonc-parser reads (comments, trailing commas and all).
import { cpSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "jsonc-parser";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/broker-process.ts";
import { podmanUnavailable } from "../helpers/podman.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { readConfiguration } from "./devcontainer-cli.ts";

const skipReason = podmanUnavailable();
if (skipReason !== null) {
  if (process.env.CI !== undefined) throw new Error(`the container suite cannot run in CI: ${skipReason}`);
  console.warn(`SKIPPED: golden read-configuration (devcontainer CLI + podman): ${skipReason}`);
}
const fixtures = join(repoRoot, "test", "fixtures", "devcontainer");
const tmp = makeTempDir("remo-golden-rc-");

describe.skipIf(skipReason !== null)("devcontainer read-configuration (podman) on the synthesized golden files", () => {
  afterAll(() => { tmp.cleanup(); });
  const afters = readdirSync(fixtures).filter((f) => f.endsWith(".after.jsonc")).sort();

  it("has the whole corpus", () => {
    expect(afters.length).toBeGreaterThanOrEqual(25);
  });

  for (const f of afters) {
    it(`reads ${f} as jsonc-parser does`, async () => {
      const ws = join(tmp.path, f.replace(/\..*$/, ""));
      mkdirSync(join(ws, ".devcontainer"), { recursive: true });
      cpSync(join(fixtures, f), join(ws, ".devcontainer", "devcontainer.json"));
      // The CLI substitutes ${…} variables; do the same for the ones the fixtures use.
      const text = readFileSync(join(fixtures, f), "utf8").replaceAll("${localWorkspaceFolderBasename}", f.replace(/\..*$/, "")).replaceAll("${localEnv:HOME}", process.env.HOME ?? "");
      const config = await readConfiguration({ workspace: ws });
      // configFilePath is the CLI's own bookkeeping, not part of the file.
      expect(Object.fromEntries(Object.entries(config).filter(([k]) => k !== "configFilePath"))).toEqual(parse(text, [], { allowTrailingComma: true }));
    });
  }
});
