// The feature on an image without Node: it installs the distribution's nodejs, which is the
// one step that needs a network. Without one, the build must fail saying what to do.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/broker-process.ts";
import { podman, podmanUnavailable } from "../helpers/podman.ts";
import { chrootUnavailable } from "../feature/debian-root.ts";
import { suiteLabel } from "./devcontainer-cli.ts";
import { ensureBaseImage } from "./images.ts";

const skipReason = podmanUnavailable() ?? chrootUnavailable();
if (skipReason !== null) {
  if (process.env.CI !== undefined) throw new Error(`the container suite cannot run in CI: ${skipReason}`);
  console.warn(`SKIPPED: feature without Node (podman): ${skipReason}`);
}
const featureDir = join(repoRoot, "devcontainer-feature", "src", "remo-secrets");

describe.skipIf(skipReason !== null)("the feature on an image without Node", () => {
  it("fails with no network, saying why and what to use instead", async () => {
    const image = await ensureBaseImage();
    const r = await podman(["run", "--rm", "--label", suiteLabel, "--network", "none", "-v", `${featureDir}:/feature:ro`, image, "sh", "/feature/install.sh"], { timeoutMs: 180_000 });
    // apt-get update only warns when it cannot reach the mirror; the install is what fails.
    expect({ code: r.code, stderr: r.stderr.trim().split("\n").at(-1) }).toEqual({ code: 1, stderr: "remo-secrets feature: ERROR: apt-get install nodejs failed (no network, or no package mirror reachable from the build). Use an image that has Node >= 18 (the build then needs no network), or add the node feature (ghcr.io/devcontainers/features/node) to devcontainer.json." });
  });

  it("fails clearly on a Debian image whose apt-get is gone", async () => {
    const image = await ensureBaseImage();
    const r = await podman(["run", "--rm", "--label", suiteLabel, "--network", "none", "-v", `${featureDir}:/feature:ro`, image, "sh", "-c", "rm /usr/bin/apt-get && sh /feature/install.sh"], { timeoutMs: 120_000 });
    expect({ code: r.code, stderr: r.stderr.trim().split("\n").at(-1) }).toEqual({ code: 1, stderr: "remo-secrets feature: ERROR: this Debian-family image has no apt-get to install Node with; Use an image that has Node >= 18 (the build then needs no network), or add the node feature (ghcr.io/devcontainers/features/node) to devcontainer.json." });
  });
});
