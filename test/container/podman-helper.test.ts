import { afterAll, describe, expect, it } from "vitest";
import { podman, podmanOk, podmanUnavailable, removeContainersLabelled } from "../helpers/podman.ts";
import { ensureBaseImage, ensureNodeImage } from "./images.ts";

const skipReason = podmanUnavailable();
if (skipReason !== null) {
  if (process.env.CI !== undefined) throw new Error(`container tests cannot run in CI: ${skipReason}`);
  console.warn(`SKIPPED: container tests: ${skipReason}`);
}
const label = `remo-test=podman-helper-${String(process.pid)}`;

describe.skipIf(skipReason !== null)("test/helpers/podman.ts", () => {
  afterAll(async () => { await removeContainersLabelled(label); });

  it("runs a container from the imported Debian image with runc", async () => {
    const image = await ensureBaseImage();
    const out = await podmanOk(["run", "--rm", "--label", label, image, "sh", "-c", ". /etc/os-release && echo $ID; command -v node || echo no-node"]);
    expect(out.trim().split("\n")).toEqual(["debian", "no-node"]);
    const runtime = await podmanOk(["info", "--format", "{{.Host.OCIRuntime.Name}}"]);
    expect(runtime.trim()).toBe("runc");
  });

  it("puts the host's Node into the Node image", async () => {
    const image = await ensureNodeImage();
    const r = await podman(["run", "--rm", "--label", label, image, "node", "-p", "process.versions.node"]);
    expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: process.versions.node });
  });
});
