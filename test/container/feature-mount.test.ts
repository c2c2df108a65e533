// Can the feature itself bring the broker mount? The real CLI substitutes
// ${localWorkspaceFolderBasename} in a feature's mounts, and a devcontainer.json mount at the
// same target replaces the feature's (the CLI keeps one mount per target).
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/broker-process.ts";
import { podmanUnavailable } from "../helpers/podman.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { readMergedConfiguration } from "./devcontainer-cli.ts";
import { ensureNodeImage } from "./images.ts";

const skipReason = podmanUnavailable();
if (skipReason !== null) {
  if (process.env.CI !== undefined) throw new Error(`the container suite cannot run in CI: ${skipReason}`);
  console.warn(`SKIPPED: feature mount (devcontainer CLI + podman): ${skipReason}`);
}
const tmp = makeTempDir("remo-feature-mount-");

function project(name: string, config: Record<string, unknown>): string {
  const dir = join(tmp.path, name);
  mkdirSync(join(dir, ".devcontainer"), { recursive: true });
  cpSync(join(repoRoot, "devcontainer-feature", "src", "remo-secrets"), join(dir, ".devcontainer", "remo-secrets"), { recursive: true });
  writeFileSync(join(dir, ".devcontainer", "devcontainer.json"), JSON.stringify({ ...config, features: { "./remo-secrets": {} } }, null, 2));
  return dir;
}

describe.skipIf(skipReason !== null)("the feature's own mount, as the devcontainer CLI merges it", () => {
  afterAll(() => { tmp.cleanup(); });

  it("mounts /run/remo-broker/projects/<folder name> when devcontainer.json has no broker mount", async () => {
    const image = await ensureNodeImage();
    const merged = await readMergedConfiguration({ workspace: project("solo-feature", { image }) });
    expect(merged.mounts).toEqual([{ type: "bind", source: "/run/remo-broker/projects/solo-feature", target: "/run/remo-broker" }]);
  });

  it("gives way to devcontainer.json's mount at the same target (a node with another runtime dir)", async () => {
    const image = await ensureNodeImage();
    const own = "source=/srv/remo/run/projects/explicit,target=/run/remo-broker,type=bind,readonly";
    const merged = await readMergedConfiguration({ workspace: project("explicit", { image, mounts: [own] }) });
    expect(merged.mounts).toEqual([own]);
  });
});
