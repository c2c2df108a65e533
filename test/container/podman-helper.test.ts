import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { imageExists, importRootfs, podman, podmanOk, podmanUnavailable, removeContainersLabelled } from "../helpers/podman.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
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

  it("redoes an import that was interrupted (only its temporary tag exists)", async () => {
    const root = makeTempDir("remo-rootfs-");
    const repo = `localhost/remo-test-import-${String(process.pid)}`;
    try {
      mkdirSync(join(root.path, "etc"));
      writeFileSync(join(root.path, "etc", "marker"), "one\n");
      // What an import killed between `podman import` and `podman tag` leaves: a pid that is gone.
      await importRootfs(`${repo}:stale-source`, root.path);
      await podmanOk(["tag", `${repo}:stale-source`, `${repo}:partial-999999999`]);
      expect(await imageExists(`${repo}:v1`)).toBe(false);
      await importRootfs(`${repo}:v1`, root.path, { files: { [join(root.path, "etc", "marker")]: "/extra/marker" } });
      const tags = (await podmanOk(["images", "--format", "{{.Tag}}", "--filter", `reference=${repo}`])).trim().split("\n").sort();
      expect(tags).toEqual(["stale-source", "v1"]);
      // The extra file made it into the image.
      const ctr = (await podmanOk(["create", "--label", label, `${repo}:v1`, "/none"])).trim();
      await podmanOk(["cp", `${ctr}:/extra/marker`, join(root.path, "copied")]);
      expect(readFileSync(join(root.path, "copied"), "utf8")).toBe("one\n");
      await podman(["rm", "-f", ctr]);
    } finally {
      await podman(["rmi", "-f", `${repo}:v1`, `${repo}:stale-source`]);
      root.cleanup();
    }
  });

  it("puts the host's Node into the Node image", async () => {
    const image = await ensureNodeImage();
    const r = await podman(["run", "--rm", "--label", label, image, "node", "-p", "process.versions.node"]);
    expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: process.versions.node });
  });
});
