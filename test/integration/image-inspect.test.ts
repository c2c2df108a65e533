// The image lookup Synthesize does before deciding to add the feature: on this machine (the
// synthesize CLI, an extension host on the node) and over a real sshd on 127.0.0.1 (a local
// window). The engine here is a script standing in for docker/podman, so this checks the
// lookup's own work: the argv, the remote command line through a real shell, the fallback from
// docker to podman, and every failure turning into a reason. The real engine is in
// test/container/prebuilt-image.test.ts.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeClient, type NodeClientDeps } from "../../extension/src/node/admin-client.ts";
import type { NodeTarget } from "../../extension/src/node/node-target.ts";
import { imageInspector, inspectImageLocally, inspectImageOverSsh } from "../../extension/src/devcontainer/image-inspect.ts";
import { freePort, startSshd, type SshdHandle } from "../helpers/sshd.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

const labels = JSON.stringify({ "devcontainer.metadata": JSON.stringify([{ id: "./remo-secrets", postStartCommand: "/usr/local/bin/remo-secrets-startup" }, { remoteUser: "root" }]) });

/** A stand-in engine: answers `image inspect --format '{{json .Config.Labels}}' <ref>` like podman does. */
function engineScript(name: string): string {
  return [
    "#!/bin/sh",
    `[ "$1 $2 $3 $4" = "image inspect --format {{json .Config.Labels}}" ] || { echo "${name}: unexpected arguments: $*" >&2; exit 2; }`,
    "case \"$5\" in",
    `  localhost/prebuilt:1) printf '%s\\n' '${labels}' ;;`,
    "  localhost/plain:1) echo null ;;",
    "  localhost/slow:1) exec /bin/sleep 30 ;;",
    "  *) echo \"Error: $5: image not known\" >&2; exit 125 ;;",
    "esac",
    "",
  ].join("\n");
}

let tmp: ReturnType<typeof makeTempDir>;
let podmanOnly: string;
let sshd: SshdHandle;
let target: NodeTarget;
let hostKeySha256: string;

function deps(): NodeClientDeps {
  return { readFile: (p) => readFile(p), env: { HOME: tmp.path, USER: "root" }, connectTimeoutMs: 20_000 };
}

beforeAll(async () => {
  tmp = makeTempDir("remo-image-inspect-");
  chmodSync(tmp.path, 0o755);
  // A PATH with podman but no docker (the machine's own engines are not on it; the script needs nothing else).
  podmanOnly = join(tmp.path, "podman-only");
  mkdirSync(podmanOnly);
  writeFileSync(join(podmanOnly, "podman"), engineScript("podman"), { mode: 0o755 });
  writeFileSync(join(tmp.path, "my-engine"), engineScript("my-engine"), { mode: 0o755 });
  sshd = await startSshd({ dir: join(tmp.path, "sshd"), extraConfig: [`SetEnv PATH=${podmanOnly}`] });
  hostKeySha256 = sshd.hostKeySha256();
  target = { name: "loopback", host: "127.0.0.1", port: sshd.port, user: "root", identityFile: sshd.userKeyFile, projectPath: tmp.path };
});

afterAll(async () => {
  await sshd.stop();
  tmp.cleanup();
});

describe("looking an image up on this machine", () => {
  const env = (): NodeJS.ProcessEnv => ({ PATH: podmanOnly });

  it("falls back from docker to podman and reads the feature ids from the labels", async () => {
    expect(await inspectImageLocally("localhost/prebuilt:1", { env: env() })).toEqual({ ref: "localhost/prebuilt:1", featureIds: ["./remo-secrets"] });
    expect(await inspectImageLocally("localhost/plain:1", { env: env() })).toEqual({ ref: "localhost/plain:1", featureIds: [] });
  });

  it("uses the docker path it is given", async () => {
    expect(await inspectImageLocally("localhost/prebuilt:1", { dockerPath: join(tmp.path, "my-engine") })).toEqual({ ref: "localhost/prebuilt:1", featureIds: ["./remo-secrets"] });
  });

  it("gives a reason for an absent image, a missing engine, a slow engine and a name that is not one", async () => {
    expect(await inspectImageLocally("localhost/absent:1", { env: env() })).toEqual({ ref: "localhost/absent:1", reason: "podman has no image by that name; pull or build it first" });
    expect(await inspectImageLocally("localhost/prebuilt:1", { env: { PATH: join(tmp.path, "empty") } })).toEqual({ ref: "localhost/prebuilt:1", reason: "neither docker nor podman is on the PATH" });
    expect(await inspectImageLocally("localhost/prebuilt:1", { dockerPath: join(tmp.path, "no-such-engine") })).toEqual({ ref: "localhost/prebuilt:1", reason: `${join(tmp.path, "no-such-engine")} is not installed` });
    expect(await inspectImageLocally("localhost/slow:1", { env: env(), timeoutMs: 1_000 })).toEqual({ ref: "localhost/slow:1", reason: "podman did not answer within 1 s" });
    expect(await inspectImageLocally("--version", { env: env() })).toEqual({ ref: "--version", reason: "it is not an image name" });
  });
});

describe("looking an image up on the node over SSH", () => {
  const connect = () => NodeClient.connect(target, { hostKeySha256 }, deps());

  it("runs the lookup through the node's shell, falling back to podman there", async () => {
    expect(await inspectImageOverSsh("localhost/prebuilt:1", "loopback", connect)).toEqual({ ref: "localhost/prebuilt:1", featureIds: ["./remo-secrets"] });
    expect(await inspectImageOverSsh("localhost/plain:1", "loopback", connect)).toEqual({ ref: "localhost/plain:1", featureIds: [] });
    expect(await inspectImageOverSsh("localhost/absent:1", "loopback", connect)).toEqual({ ref: "localhost/absent:1", reason: "the engine on loopback has no image by that name; pull or build it first" });
  });

  it("quotes the docker path it is given, as one word on the remote line", async () => {
    const spaced = join(tmp.path, "my engine's dir");
    mkdirSync(spaced, { recursive: true });
    writeFileSync(join(spaced, "podman"), engineScript("spaced"), { mode: 0o755 });
    expect(await inspectImageOverSsh("localhost/prebuilt:1", "loopback", connect, { dockerPath: join(spaced, "podman") })).toEqual({ ref: "localhost/prebuilt:1", featureIds: ["./remo-secrets"] });
    const missing = await inspectImageOverSsh("localhost/prebuilt:1", "loopback", connect, { dockerPath: join(tmp.path, "none") });
    expect("reason" in missing ? missing.reason : "").toMatch(new RegExp(`^${join(tmp.path, "none")} is not installed \\(.*No such file or directory\\)$`));
  });

  it("gives a reason when the node is slow, unreachable or not the pinned one", async () => {
    expect(await inspectImageOverSsh("localhost/slow:1", "loopback", connect, { timeoutMs: 2_000 })).toEqual({ ref: "localhost/slow:1", reason: "loopback did not answer over SSH within 2 s" });
    const closed = { ...target, port: await freePort() };
    const down = await inspectImageOverSsh("localhost/prebuilt:1", "loopback", () => NodeClient.connect(closed, { hostKeySha256 }, deps()));
    expect("reason" in down ? down.reason : "").toMatch(/^could not ask loopback over SSH: /);
    const wrongPin = await inspectImageOverSsh("localhost/prebuilt:1", "loopback", () => NodeClient.connect(target, { hostKeySha256: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, deps()));
    expect("reason" in wrongPin ? wrongPin.reason : "").toMatch(/^could not ask loopback over SSH: .*host key/i);
  });
});

describe("the Synthesize command's lookup for each route", () => {
  it("asks the node once per image over SSH, so the diff and the write see one answer", async () => {
    let sessions = 0;
    const inspect = imageInspector({ via: "ssh", nodeName: "loopback" }, {
      connect: () => { sessions++; return NodeClient.connect(target, { hostKeySha256 }, deps()); },
    });
    const [a, b] = await Promise.all([inspect("localhost/prebuilt:1"), inspect("localhost/prebuilt:1")]);
    expect(a).toEqual({ ref: "localhost/prebuilt:1", featureIds: ["./remo-secrets"] });
    expect(b).toBe(a);
    expect(await inspect("localhost/plain:1")).toEqual({ ref: "localhost/plain:1", featureIds: [] });
    expect(sessions).toBe(2);
  });

  it("asks the engine of this machine in a Remote-SSH window, and nothing without a node", async () => {
    expect(await imageInspector({ via: "here" }, { env: { PATH: podmanOnly } })("localhost/prebuilt:1")).toEqual({ ref: "localhost/prebuilt:1", featureIds: ["./remo-secrets"] });
    expect(await imageInspector({ via: "none", reason: "no node here" }, { connect: () => Promise.reject(new Error("must not connect")) })("localhost/prebuilt:1"))
      .toEqual({ ref: "localhost/prebuilt:1", reason: "no node here" });
  });
});
