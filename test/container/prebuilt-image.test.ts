// The fast route for `devcontainer up`: build the image with the feature once
// (`devcontainer build --image-name`) and name it in devcontainer.json without listing the
// feature. The CLI then builds nothing on `up`, and the image's metadata label still brings
// the feature's postStartCommand, and its environment REMO_BROKER_SOCKET. Synthesis reads that
// label with the same engine and leaves the feature out.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { podmanOk, podmanUnavailable, removeContainersLabelled, startDockerApi } from "../helpers/podman.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { cliLogs, devcontainerBuild, devcontainerExec, devcontainerUp, readConfiguration, suiteLabel, synthesize, type CliTarget } from "./devcontainer-cli.ts";
import { parse } from "jsonc-parser";
import { featureIdsFromLabelsJson } from "../../extension/src/devcontainer/image-metadata.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
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
let baseImage: string;
let tmp: ReturnType<typeof makeTempDir>;

const configPath = (workspace: string): string => join(workspace, ".devcontainer", "devcontainer.json");

/** A workspace (named `name`, the project name synthesis uses) whose devcontainer.json names `image`. */
function imageWorkspace(name: string, image: string): string {
  const workspace = join(tmp.path, name);
  mkdirSync(join(workspace, ".devcontainer"), { recursive: true });
  writeFileSync(configPath(workspace), JSON.stringify({ image }, null, 2) + "\n");
  return workspace;
}

describe.skipIf(skipReason !== null)("devcontainer up from an image prebuilt with the feature", () => {
  beforeAll(async () => {
    const image = await ensureNodeImage();
    baseImage = image;
    tmp = makeTempDir("remo-prebuilt-");
    broker = await startBroker();
    const { projectPath } = await broker.registerProject(project, { allowlist: ["GITHUB_TOKEN"] });
    await broker.pushSecrets({ GITHUB_TOKEN: token }, project);
    writeFileSync(join(projectPath, ".devcontainer", "devcontainer.json"), JSON.stringify({ image }, null, 2) + "\n");
    target = { workspace: projectPath };
  });

  afterAll(async () => {
    await removeContainersLabelled(suiteLabel);
    await broker.stop();
    tmp.cleanup();
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
    // The label as the CLI wrote it records the feature under the id devcontainer.json used.
    const labels = await podmanOk(["image", "inspect", "--format", "{{json .Config.Labels}}", prebuilt]);
    expect(featureIdsFromLabelsJson(labels)).toContain("./remo-secrets");
  });

  it("synthesizing a configuration that names the prebuilt image adds the mount but not the feature, and says why", async () => {
    // What the user writes: the prebuilt image alone. No feature folder either.
    writeFileSync(configPath(target.workspace), JSON.stringify({ image: prebuilt }, null, 2) + "\n");
    rmSync(join(target.workspace, ".devcontainer", "remo-secrets"), { recursive: true, force: true });
    const s = await synthesize(target.workspace, broker.runtimeDir);
    expect({ code: s.code, stderr: s.stderr }).toEqual({ code: 0, stderr: "" });
    expect(s.stdout).toContain(`The image ${prebuilt} already has the remo-secrets feature ("./remo-secrets" in its devcontainer.metadata label); not adding it.`);
    const written = readFileSync(configPath(target.workspace), "utf8");
    const config = parse(written) as Record<string, unknown>;
    expect(config).toMatchObject({ image: prebuilt, mounts: [mount] });
    expect(config.features).toBeUndefined();
    expect(existsSync(join(target.workspace, ".devcontainer", "remo-secrets"))).toBe(false);
    const again = await synthesize(target.workspace, broker.runtimeDir);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
    expect(again.stdout).toContain("nothing changed");
    expect(readFileSync(configPath(target.workspace), "utf8")).toBe(written);
  });

  it("starts the named image itself, builds nothing, and postStartCommand reports the secret", async () => {
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

  it("a Dockerfile built on the prebuilt image: synthesis leaves the feature out, up builds only the Dockerfile, and the secret is served", async () => {
    // What a team writes on top of its prebuilt base: a Dockerfile FROM it, picked by a build argument.
    writeFileSync(join(target.workspace, ".devcontainer", "Dockerfile"), "ARG BASE\nFROM ${BASE}\nRUN mkdir -p /opt/team-tools\n");
    writeFileSync(configPath(target.workspace), JSON.stringify({ build: { dockerfile: "Dockerfile", args: { BASE: prebuilt } } }, null, 2) + "\n");
    const s = await synthesize(target.workspace, broker.runtimeDir);
    expect({ code: s.code, stderr: s.stderr }).toEqual({ code: 0, stderr: "" });
    expect(s.stdout).toContain(`The image ${prebuilt} (the base of Dockerfile) already has the remo-secrets feature`);
    const config = parse(readFileSync(configPath(target.workspace), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({ mounts: [mount] });
    expect(config.features).toBeUndefined();
    const up = await devcontainerUp(target, { removeExisting: true });
    expect(up.outcome, up.log.slice(-3000)).toMatchObject({ outcome: "success" });
    // The Dockerfile's own step ran; no feature was built (the CLI's feature content image is absent).
    expect(up.log).toContain("mkdir -p /opt/team-tools");
    expect(up.log).not.toContain("dev_container_feature_content");
    // The label the image inherited from its base still brings the feature's postStartCommand.
    expect(up.log).toContain(`remo-secrets: project ${project}, 1 of 1 secrets available`);
    const get = await devcontainerExec(target, "remo-secrets get GITHUB_TOKEN");
    expect({ code: get.code, value: sameSecret(get.stdout.replace(/\n$/, ""), token) }).toEqual({ code: 0, value: "equal" });
  });

  it("a Docker Compose service running the prebuilt image: synthesis leaves the feature out, up builds nothing, and the secret is served", async () => {
    const name = project;
    writeFileSync(join(target.workspace, ".devcontainer", "docker-compose.yml"), [
      "version: \"3.8\"",
      "services:",
      "  app:",
      `    image: \${PREBUILT:-${prebuilt}}`,
      "    command: sleep infinity",
      "    volumes:",
      `      - ..:/workspaces/${name}`,
      "",
    ].join("\n"));
    writeFileSync(configPath(target.workspace), JSON.stringify({ dockerComposeFile: "docker-compose.yml", service: "app", runServices: ["app"], workspaceFolder: `/workspaces/${name}`, shutdownAction: "stopCompose" }, null, 2) + "\n");
    const s = await synthesize(target.workspace, broker.runtimeDir);
    expect({ code: s.code, stderr: s.stderr }).toEqual({ code: 0, stderr: "" });
    expect(s.stdout).toContain(`The image ${prebuilt} (the compose service "app" runs it) already has the remo-secrets feature`);
    const config = parse(readFileSync(configPath(target.workspace), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({ mounts: [mount] });
    expect(config.features).toBeUndefined();

    // The CLI's compose path, through podman's Docker API.
    mkdirSync(join(tmp.path, "docker"), { recursive: true });
    const api = await startDockerApi(join(tmp.path, "docker", "podman.sock"));
    const compose = { workspace: target.workspace, dockerHost: api.dockerHost };
    let id = "";
    try {
      const up = await devcontainerUp(compose, { removeExisting: true });
      id = up.outcome.containerId ?? "";
      expect(up.outcome, up.log.slice(-3000)).toMatchObject({ outcome: "success" });
      // No feature was built: the service runs the image as it is, whose label brings the postStartCommand.
      expect(up.log).not.toContain("dev_container_feature_content");
      expect(up.log).toContain(`remo-secrets: project ${project}, 1 of 1 secrets available`);
      const get = await devcontainerExec(compose, "remo-secrets get GITHUB_TOKEN");
      expect({ code: get.code, value: sameSecret(get.stdout.replace(/\n$/, ""), token) }).toEqual({ code: 0, value: "equal" });
    } finally {
      // Compose names its container by project, not by the suite's label.
      if (id !== "") await podmanOk(["rm", "-f", "-t", "0", id]).catch(() => undefined);
      await podmanOk(["network", "rm", "-f", `${basename(target.workspace)}_devcontainer_default`]).catch(() => undefined);
      await api.stop();
    }
  });

  it("still adds the feature to a configuration naming an image without it", async () => {
    const workspace = imageWorkspace("plain-image", baseImage);
    const s = await synthesize(workspace, broker.runtimeDir);
    expect({ code: s.code, stderr: s.stderr }).toEqual({ code: 0, stderr: "" });
    expect(s.stdout).not.toContain("already has the remo-secrets feature");
    expect(s.stdout).not.toContain("Could not inspect");
    expect(parse(readFileSync(configPath(workspace), "utf8"))).toMatchObject({ image: baseImage, features: { "./remo-secrets": {} } });
  });

  it("adds the feature, with a note saying why, when the image is not there to inspect", async () => {
    const absent = `localhost/remo-test-absent:${String(process.pid)}`;
    const workspace = imageWorkspace("absent-image", absent);
    const s = await synthesize(workspace, broker.runtimeDir);
    expect({ code: s.code, stderr: s.stderr }).toEqual({ code: 0, stderr: "" });
    expect(s.stdout).toContain(`Could not inspect the image ${absent} (`);
    expect(s.stdout).toContain("has no image by that name; pull or build it first");
    expect(parse(readFileSync(configPath(workspace), "utf8"))).toMatchObject({ image: absent, features: { "./remo-secrets": {} } });
  });
});
