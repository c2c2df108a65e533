import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodePins, NodeTarget } from "../../extension/src/node/node-target.ts";
import { NodeClient, probeNode, type NodeClientDeps } from "../../extension/src/node/admin-client.ts";
import { pushSecrets } from "../../extension/src/push/push-secrets.ts";
import { repoRoot } from "../helpers/broker-process.ts";
import { makeSentinel } from "../helpers/sentinel.ts";
import { freePort, makeKey } from "../helpers/sshd.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { checkoutInNode, SystemdNode, systemdNodeUnavailable } from "./systemd-node.ts";

// The extension's own node modules against a real systemd node over SSH: "Install Broker on
// Node" (SFTP upload + install.sh), then "Push Secrets", then a container user's get.
const skipReason = systemdNodeUnavailable();
if (skipReason !== null) {
  if (process.env.CI !== undefined) throw new Error(`the systemd node suite cannot run in CI: ${skipReason}`);
  console.warn(`SKIPPED: systemd node over SSH (test/system): ${skipReason}`);
}

const label = `remo-test=system-ssh-${String(process.pid)}`;
const token = makeSentinel("NPM");
const projectPath = "/home/dev/sshproj";
let tmp: ReturnType<typeof makeTempDir>;
let node: SystemdNode;
let target: NodeTarget;
let pins: NodePins;
const logLines: string[] = [];

function deps(): NodeClientDeps {
  return { readFile: (p) => readFile(p), env: { HOME: tmp.path, USER: "root" }, log: (l) => { logLines.push(l); }, connectTimeoutMs: 20_000, execTimeoutMs: 120_000 };
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`, with a deadline. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => { s.destroy(); resolve(true); });
      s.once("error", () => { resolve(false); });
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${String(port)} within ${String(timeoutMs)} ms (the node's sshd)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the .vsix ships for a node install, with the modes the extension gives them. */
function brokerFiles(): { path: string; content: Uint8Array; mode: number }[] {
  const pkg = join(repoRoot, "broker", "packaging");
  return [
    { path: "remo-broker.js", content: readFileSync(join(repoRoot, "dist", "remo-broker.js")), mode: 0o755 },
    { path: "peercred.node", content: readFileSync(join(repoRoot, "dist", "peercred.node")), mode: 0o755 },
    ...readdirSync(pkg).map((name) => ({ path: name, content: readFileSync(join(pkg, name)), mode: name.endsWith(".sh") ? 0o755 : 0o644 })),
  ];
}

describe.skipIf(skipReason !== null)("the extension installs and pushes to a systemd node over SSH", () => {
  beforeAll(async () => {
    tmp = makeTempDir("remo-system-ssh-");
    const port = await freePort();
    node = await SystemdNode.boot(label, { sshPort: port, sshConfigDir: tmp.path });
    const key = makeKey(join(tmp.path, "id_ed25519"));
    await node.shOk("install -d -m 0700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 0600 /root/.ssh/authorized_keys", { input: readFileSync(`${key}.pub`) });
    await waitForPort(port, 30_000);
    // What a user compares on the node before pinning (ssh-keygen -lf …); no broker yet, so no recipient.
    const fingerprint = (await node.shOk("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")).split(" ")[1] ?? "";
    pins = { hostKeySha256: fingerprint };
    target = { name: "systemd-node", host: "127.0.0.1", port, user: "root", identityFile: key, projectPath };
    await node.shOk([
      "useradd -m -u 1000 -s /bin/sh dev",
      `mkdir -p ${projectPath}/.devcontainer`,
      `printf 'schema_version = 1\\n\\n[project]\\nname = "sshproj"\\n\\n[allowlist]\\nsecrets = ["NPM_TOKEN"]\\n' > ${projectPath}/.devcontainer/remo-broker.toml`,
      `chown -R dev:dev ${projectPath}`,
    ].join(" && "));
  });

  afterAll(async () => {
    await SystemdNode.removeAll(label);
    tmp.cleanup();
  });

  it("installs the broker with the extension's Install Broker path: SFTP upload, install.sh, a running unit with a sealed key", async () => {
    const client = await NodeClient.connect(target, pins, deps());
    let log: string;
    try {
      log = await client.installBroker(brokerFiles(), `/tmp/remo-broker-install-${Date.now().toString(36)}`);
    } finally {
      client.close();
    }
    expect(log).toContain("key source: host-key");
    expect((await node.sh("systemctl is-active remo-broker")).stdout.trim()).toBe("active");
    expect((await node.shOk("ls /usr/local/bin")).split("\n")).toEqual(expect.arrayContaining(["remo-broker", "remo-broker-admin"]));
    // The upload directory is gone afterwards.
    expect((await node.sh("ls -d /tmp/remo-broker-install-* 2>/dev/null")).stdout).toBe("");
  });

  it("pins the broker's recipient, pushes, and a container user of the project gets the value", async () => {
    const probe = await probeNode(target, deps());
    expect(probe.hostKeySha256).toBe(pins.hostKeySha256);
    expect(probe.recipient).toBe((await node.shOk("cat /etc/remo-broker/recipient")).trim());
    pins = { ...pins, recipient: probe.recipient };
    const result = await pushSecrets({ target, pins, project: { name: "sshproj", allowlist: ["NPM_TOKEN"] }, lookup: (n) => Promise.resolve(n === "NPM_TOKEN" ? token : undefined) }, deps());
    expect(result).toMatchObject({ secretCount: 1, missing: [], registered: true });
    const status = JSON.parse(await node.shOk("remo-broker admin status")) as { projects: { name: string; socket_path: string }[] };
    const socket = status.projects.find((p) => p.name === "sshproj")?.socket_path ?? "";
    const got = await node.shOk(`runuser -u dev -- node ${checkoutInNode}/dist/remo-secrets.js --socket ${socket} get NPM_TOKEN`);
    expect(got).toBe(token);
    expect(logLines.join("\n")).not.toContain(token);
  });

  it("pushes as a non-root user whose sudo allows only remo-broker-admin, and that user cannot run the broker's other commands as root", async () => {
    const key = join(tmp.path, "id_ed25519");
    await node.shOk([
      "install -d -m 0700 -o dev -g dev /home/dev/.ssh",
      "cat > /home/dev/.ssh/authorized_keys",
      "chown dev:dev /home/dev/.ssh/authorized_keys && chmod 0600 /home/dev/.ssh/authorized_keys",
      "echo 'dev ALL=(root) NOPASSWD: /usr/local/bin/remo-broker-admin' > /etc/sudoers.d/remo-dev",
      "chmod 0440 /etc/sudoers.d/remo-dev && visudo -cf /etc/sudoers.d/remo-dev >/dev/null",
    ].join(" && "), { input: readFileSync(`${key}.pub`) });
    const asDev: NodeTarget = { ...target, user: "dev" };
    const devDeps = (): NodeClientDeps => ({ ...deps(), env: { HOME: tmp.path, USER: "dev" } });
    const second = makeSentinel("NPM");
    // This laptop registered sshproj from projectPath in the test above (the extension records that).
    const result = await pushSecrets({ target: asDev, pins, project: { name: "sshproj", allowlist: ["NPM_TOKEN"] }, lookup: (n) => Promise.resolve(n === "NPM_TOKEN" ? second : undefined), registeredPath: projectPath }, devDeps());
    expect(result).toMatchObject({ secretCount: 1, missing: [] });
    const got = await node.shOk(`runuser -u dev -- node ${checkoutInNode}/dist/remo-secrets.js --socket /run/remo-broker/projects/sshproj/sock get NPM_TOKEN`);
    expect(got).toBe(second);
    // The wrapper is all that sudo allows: the full broker (serve/keygen write as root) is refused.
    const refused = await node.sh("runuser -u dev -- sudo -n /usr/local/bin/remo-broker keygen --out /etc/sudoers.d/evil");
    expect(refused.code).not.toBe(0);
    expect((await node.sh("test -e /etc/sudoers.d/evil")).code).not.toBe(0);
    expect(logLines.join("\n")).not.toContain(second);
  });
});
