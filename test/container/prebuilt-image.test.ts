// The fast route for `devcontainer up`: build the image with the feature once
// (`devcontainer build --image-name`) and name it in devcontainer.json without listing the
// feature. The CLI then builds nothing on `up`, and the image's metadata label still brings
// the feature's postStartCommand, and its environment REMO_BROKER_SOCKET.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { podmanOk, podmanUnavailable, removeContainersLabelled } from "../helpers/podman.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { cliLogs, devcontainerBuild, devcontainerExec, devcontainerUp, readConfiguration, suiteLabel, synthesize, type CliTarget } from "./devcontainer-cli.ts";
import { ensureNodeImage } from "./images.ts";
import { sameSecret } from "./scan.ts";

const skipReason = podmanUnavailable();
if (skipReason !== null) {
  if (process.env.CI !== undefined) throw new Error(`the container suite cannot run in CI: ${skipReason}`);
  console.warn(`SKIPPED: prebuilt image (devcontainer CLI + podman): ${skipReason}`);
}

const project = "prebuilt-cfg";
const prebuilt = `localhost/remo-test-prebuilt:${String(process.pid)}`;
const token = makeSentinel("GH_PREBUILT");
let broker: BrokerHandle;
let target: CliTarget;
let mount: string;

describe.skipIf(skipReason !== null)("devcontainer up from an image prebuilt with the feature", () => {
  beforeAll(async () => {
    const image = await ensureNodeImage();
    broker = await startBroker();
    const { projectPath } = await broker.registerProject(project, { allowlist: ["GITHUB_TOKEN"] });
    await broker.pushSecrets({ GITHUB_TOKEN: token }, project);
    writeFileSync(join(projectPath, ".devcontainer", "devcontainer.json"), JSON.stringify({ image }, null, 2) + "\n");
    target = { workspace: projectPath };
  });

  afterAll(async () => {
    await removeContainersLabelled(suiteLabel);
    await broker.stop();
    // The prebuilt tag and the image the CLI named after this run's temp workspace.
    const images = (await podmanOk(["images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"]).catch(() => "")).split("\n").map((l) => l.split(" "))
      .filter(([, ref]) => ref === prebuilt || ref?.includes(`/vsc-${project}-`) === true).map(([id]) => id ?? "");
    if (images.length > 0) await podmanOk(["rmi", "-f", ...new Set(images)]).catch(() => undefined);
  });

  it("builds the synthesized configuration once, under a name", async () => {
    const s = await synthesize(target.workspace, broker.runtimeDir);
    expect({ code: s.code, stderr: s.stderr }).toEqual({ code: 0, stderr: "" });
    mount = ((await readConfiguration(target)).mounts as string[])[0] ?? "";
    const b = await devcontainerBuild(target, prebuilt);
    expect(b.result.code, b.log.slice(-3000)).toBe(0);
    expect((await podmanOk(["image", "inspect", "--format", "{{index .Labels \"devcontainer.metadata\"}}", prebuilt]))).toContain("remo-secrets-startup");
  });

  it("starts the named image itself, builds nothing, and postStartCommand reports the secret", async () => {
    // What the user commits instead: the image, the mount, no feature.
    writeFileSync(join(target.workspace, ".devcontainer", "devcontainer.json"), JSON.stringify({ image: prebuilt, mounts: [mount] }, null, 2) + "\n");
    const up = await devcontainerUp(target, { removeExisting: true });
    expect(up.outcome, up.log.slice(-3000)).toMatchObject({ outcome: "success", remoteUser: "root" });
    const id = up.outcome.containerId ?? "";
    const [runs, wanted] = await Promise.all([podmanOk(["inspect", "--format", "{{.Image}}", id]), podmanOk(["image", "inspect", "--format", "{{.Id}}", prebuilt])]);
    expect(runs.trim()).toBe(wanted.trim());
    expect(up.log).not.toMatch(/STEP \d+\/\d+:/);
    expect(up.log).toContain(`remo-secrets: project ${project}, 1 of 1 secrets available`);
  });

  it("gives the value to get and to git's credential helper, and leaks it nowhere", async () => {
    const env = await devcontainerExec(target, "printf %s \"$REMO_BROKER_SOCKET\"");
    expect(env.stdout).toBe("/run/remo-broker/sock");
    const get = await devcontainerExec(target, "remo-secrets get GITHUB_TOKEN");
    expect({ code: get.code, value: sameSecret(get.stdout.replace(/\n$/, ""), token) }).toEqual({ code: 0, value: "equal" });
    const git = await devcontainerExec(target, "printf 'protocol=https\\nhost=github.com\\n\\n' | git credential fill | sed -n 's/^password=//p'");
    expect({ code: git.code, value: sameSecret(git.stdout.replace(/\n$/, ""), token) }).toEqual({ code: 0, value: "equal" });
    expect(findLeaks(token, { "devcontainer CLI output": cliLogs.join("\n"), "broker output": broker.output(), "audit": readFileSync(broker.auditFile, "utf8") })).toEqual([]);
  });
});
