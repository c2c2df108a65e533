// Push over a real sshd on 127.0.0.1 to a real broker, through the same modules the commands use.
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBundle, type AuditRecord } from "#protocol";
import type { NodePins, NodeTarget } from "../../extension/src/node/node-target.ts";
import type { NodeError } from "../../extension/src/node/errors.ts";
import { NodeClient, probeNode, type NodeClientDeps } from "../../extension/src/node/admin-client.ts";
import { pushSecrets } from "../../extension/src/push/push-secrets.ts";
import { brokerBin, repoRoot, requestLines, startBroker, writeProject, type BrokerHandle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel, readTree, snapshotProcesses } from "../helpers/sentinel.ts";
import { addThrowawayUser, makeKey, startAgent, startSshd, writeBrokerWrapper, type SshdHandle } from "../helpers/sshd.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { auditRecords, expectNodeError } from "../helpers/node-push.ts";

const project = "pushproj";
const sentinel = makeSentinel("PUSHSECRET");
const other = makeSentinel("OTHERSECRET");
const values: Record<string, string> = { GITHUB_TOKEN: sentinel, NPM_TOKEN: other };
const lookup = (name: string): Promise<string | undefined> => Promise.resolve(values[name]);

let tmp: ReturnType<typeof makeTempDir>;
let broker: BrokerHandle;
let sshd: SshdHandle;
let target: NodeTarget;
let pins: NodePins;
let projectPath: string;
let user: ReturnType<typeof addThrowawayUser> | undefined;
const throwawayUser = `remo-t${process.pid}`;
const logLines: string[] = [];
const procSnapshots: Record<string, string>[] = [];

function deps(extra: Partial<NodeClientDeps> = {}): NodeClientDeps {
  return { readFile: (p) => readFile(p), env: { HOME: tmp.path, USER: "root" }, log: (l) => { logLines.push(l); }, connectTimeoutMs: 20_000, ...extra };
}

beforeAll(async () => {
  tmp = makeTempDir("remo-push-ssh-");
  chmodSync(tmp.path, 0o755); // the throwaway user's session must reach sshd's authorized_keys
  broker = await startBroker();
  projectPath = writeProject(join(broker.dir, "projects"), project, { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "UNSET_TOKEN"] });
  user = addThrowawayUser(throwawayUser);
  sshd = await startSshd({ dir: join(tmp.path, "sshd"), users: ["root", throwawayUser] });
  const wrapper = writeBrokerWrapper(tmp.path, broker, brokerBin);
  target = { name: "loopback", host: "127.0.0.1", port: sshd.port, user: "root", identityFile: sshd.userKeyFile, projectPath, brokerCommand: wrapper };
});

afterAll(async () => {
  user?.remove();
  await sshd.stop();
  await broker.stop();
  tmp.cleanup();
});

describe("push over SSH to a real broker", () => {
  it("probes the host key exactly as ssh-keygen prints it and the broker's recipient", async () => {
    const probe = await probeNode(target, deps());
    expect(probe).toEqual({ hostKeySha256: sshd.hostKeySha256(), recipient: broker.recipient });
    pins = { ...probe, pinnedAt: new Date().toISOString() };
  });

  it("pushes the allowlisted values, registers the project, and a container can get them", async () => {
    let pushing = true;
    const snap = (async () => {
      while (pushing) {
        procSnapshots.push(snapshotProcesses());
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const result = await pushSecrets({ target, pins, project: { name: project, allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "UNSET_TOKEN"] }, lookup }, deps()).finally(() => { pushing = false; });
    await snap;
    expect(result).toMatchObject({ secretCount: 2, missing: ["UNSET_TOKEN"], registered: true });
    expect(Number.isNaN(Date.parse(result.loadedAt))).toBe(false);
    expect(procSnapshots.length).toBeGreaterThan(0);

    const status = await broker.admin({ op: "status" });
    expect(status.projects).toEqual([expect.objectContaining({ name: project, allowlist_size: 3 })]);
    const socket = String((status.projects as { socket_path: string }[])[0]?.socket_path);
    const [got, missing] = await requestLines(socket, [JSON.stringify({ op: "get", name: "GITHUB_TOKEN" }), JSON.stringify({ op: "get", name: "UNSET_TOKEN" })]);
    expect(got).toMatchObject({ ok: true, value: sentinel });
    expect(missing).toMatchObject({ ok: false, code: "not_found" });
  });

  it("reloads with the approved list when this laptop registered the project from the same path", async () => {
    const client = await NodeClient.connect(target, pins, deps());
    try {
      const r = await client.register(project, projectPath, ["GITHUB_TOKEN", "NPM_TOKEN", "UNSET_TOKEN"], { registeredPath: projectPath });
      expect(r.created).toBe(false);
      expect(r.socketPath).toMatch(new RegExp(`/projects/${project}/sock$`));
      expect(await client.reload(project)).toEqual({ allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "UNSET_TOKEN"] });
      const status = await client.status();
      expect(status.ok).toBe(true);
      expect(status.projects.map((p) => p.name)).toEqual([project]);
    } finally {
      client.close();
    }
  });

  it("reads the audit through the node's audit CLI, with local filters", async () => {
    // The broker appends audit records asynchronously; its admin audit op flushes them first.
    expect((await auditRecords(broker)).some((r) => r.event === "secret.get")).toBe(true);
    const client = await NodeClient.connect(target, pins, deps());
    try {
      const all = await client.audit({});
      expect(all.map((r) => r.event)).toEqual(expect.arrayContaining(["secrets.pushed", "project.register", "secret.get"]));
      const pushes = await client.audit({ project, event: "secrets.pushed" });
      expect(pushes).toEqual([expect.objectContaining({ event: "secrets.pushed", project, outcome: "ok", secret_count: 2 })]);
      const gets = await client.audit({ secret: "GITHUB_TOKEN" });
      expect(gets.length).toBeGreaterThan(0);
      expect(gets.every((r) => r.secret === "GITHUB_TOKEN")).toBe(true);
      expect(await client.audit({ limit: 1 })).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it("follows the audit log live", async () => {
    const client = await NodeClient.connect(target, pins, deps());
    const seen: AuditRecord[] = [];
    const history: AuditRecord[] = [];
    const tail = client.tailAudit((r) => { seen.push(...r); }, { project });
    const all = client.tailAudit((r) => { history.push(...r); }, { project, history: true });
    const deadline = Date.now() + 30_000;
    const waitFor = async (cond: () => boolean): Promise<void> => {
      while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      // With history the tail prints the past first; without, only what happens from now on.
      await waitFor(() => history.some((r) => r.event === "secrets.pushed"));
      // Nothing marks the moment the remote follower is live, so reload until the tail shows one (bounded).
      while (!seen.some((r) => r.event === "project.reload") && Date.now() < deadline) {
        await broker.admin({ op: "reload", name: project });
        const until = Date.now() + 1000;
        while (!seen.some((r) => r.event === "project.reload") && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      }
      await waitFor(() => history.some((r) => r.event === "project.reload"));
      // Only what happened after the tail started: none of the earlier register/push records.
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen.map((r) => r.event))).toEqual(new Set(["project.reload"]));
      expect(history.map((r) => r.event)).toEqual(expect.arrayContaining(["project.register", "secrets.pushed", "project.reload"]));
    } finally {
      tail.dispose();
      all.dispose();
      client.close();
    }
  });

  it("clears the project's secrets on the node", async () => {
    const client = await NodeClient.connect(target, pins, deps());
    try {
      await client.clear(project);
    } finally {
      client.close();
    }
    const status = await broker.admin({ op: "status" });
    const socket = String((status.projects as { socket_path: string }[])[0]?.socket_path);
    const [got] = await requestLines(socket, [JSON.stringify({ op: "get", name: "GITHUB_TOKEN" })]);
    expect(got).toMatchObject({ ok: false, code: "not_found" });
    expect((await auditRecords(broker)).filter((r) => r.event === "secrets.cleared")).toEqual([expect.objectContaining({ project, outcome: "ok" })]);
  });

  it("refuses a node whose broker key changed, sending nothing", async () => {
    await broker.pushSecrets({ GITHUB_TOKEN: "earlier" }, project);
    const pushesBefore = (await auditRecords(broker)).filter((r) => r.event === "secrets.pushed").length;
    const stateBefore = readTree(broker.stateDir);
    expect(Object.keys(stateBefore).some((f) => f.endsWith(`project-${project}.age`))).toBe(true);
    const stale = await identityToRecipient(await generateX25519Identity());
    const e = await expectNodeError(pushSecrets({ target, pins: { ...pins, recipient: stale }, project: { name: project, allowlist: ["GITHUB_TOKEN"] }, lookup }, deps()), "recipient_changed");
    expect(e.message).toContain(broker.recipient);
    expect(e.message).toContain("Re-pin Node");
    expect(readTree(broker.stateDir)).toEqual(stateBefore);
    expect((await auditRecords(broker)).filter((r) => r.event === "secrets.pushed")).toHaveLength(pushesBefore);
  });

  it("refuses unpinned nodes before connecting", async () => {
    await expectNodeError(NodeClient.connect(target, {}, deps()), "not_pinned");
    await expectNodeError(pushSecrets({ target, pins: { hostKeySha256: pins.hostKeySha256! }, project: { name: project, allowlist: [] }, lookup }, deps()), "not_pinned");
  });

  it("maps a broker that is not installed, a wrong key, and a closed port to clear errors", async () => {
    const missing = await expectNodeError(probeNode({ ...target, brokerCommand: "/nonexistent/remo-broker" }, deps()), "broker_missing");
    expect(missing.message).toContain("Install Broker on Node");
    const wrongKey = makeKey(join(tmp.path, "id_wrong"));
    await expectNodeError(NodeClient.connect({ ...target, identityFile: wrongKey }, pins, deps()), "ssh_auth_failed");
    await expectNodeError(NodeClient.connect({ ...target, port: 1 }, pins, deps()), "ssh_unreachable");
    // A broker command that takes its SSH connection down with it (kills its sshd session process).
    const dying = join(tmp.path, "bin", "dies-with-connection");
    writeFileSync(dying, [
      "#!/bin/sh",
      "# the nearest sshd ancestor is this connection's session process, not the listener",
      "p=$PPID",
      "while [ \"$(ps -o comm= -p \"$p\")\" != sshd ]; do p=$(ps -o ppid= -p \"$p\" | tr -d ' '); done",
      "kill -9 \"$p\"",
      "sleep 5",
      "",
    ].join("\n"), { mode: 0o755 });
    const lost = await expectNodeError(probeNode({ ...target, brokerCommand: dying }, deps()), "ssh_unreachable");
    expect(lost.message).toContain("closed before the command finished");
    const locked = join(tmp.path, "id_locked");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "correct horse", "-f", locked]);
    const e = await expectNodeError(NodeClient.connect({ ...target, identityFile: locked }, pins, deps()), "ssh_auth_failed");
    expect(e.message).toContain(`${locked} is protected by a passphrase: add it to ssh-agent with "ssh-add ${locked}".`);
    // Several configured identity files are tried in order, as OpenSSH does.
    const several = await NodeClient.connect({ ...target, identityFile: wrongKey, identityFiles: [locked, sshd.userKeyFile] }, pins, deps());
    several.close();
    const gone = await expectNodeError(NodeClient.connect({ ...target, identityFile: join(tmp.path, "no-such-key") }, pins, deps()), "ssh_auth_failed");
    expect(gone.message).toContain("could not be read");
  });

  it("uses sudo -n for a non-root login and says what to do when it cannot", async () => {
    const e = await probeNode({ ...target, user: throwawayUser }, deps()).then(() => undefined, (err: unknown) => err as NodeError);
    expect(e?.code, `${e?.message ?? "no error"}\n${sshd.log().split("\n").filter((l) => l.includes(throwawayUser)).join("\n")}`).toBe("sudo_required");
    expect(e?.message).toMatch(/Log in as root/);
  });

  it("authenticates through a real ssh-agent (SSH_AUTH_SOCK) with no identity file", async () => {
    const agent = startAgent(tmp.path, sshd.userKeyFile);
    try {
      const noKey: NodeTarget = { ...target };
      delete noKey.identityFile;
      const probe = await probeNode(noKey, deps({ env: { HOME: join(tmp.path, "empty-home"), USER: "root", SSH_AUTH_SOCK: agent.socket } }));
      expect(probe.recipient).toBe(broker.recipient);
    } finally {
      agent.stop();
    }
  });

  it("reaches the node through a ProxyJump host named in ~/.ssh/config", async () => {
    const home = join(tmp.path, "jump-home");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    writeFileSync(join(home, ".ssh", "config"), `Host jumpbox\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.userKeyFile}\n`);
    const jumpDeps = deps({ env: { HOME: home, USER: "root" } });
    const viaJump = { ...target, proxyJump: "jumpbox" };
    // The hop's key is pinned like the node's: a pin without it refuses before dialling anything.
    const unpinned = await expectNodeError(NodeClient.connect(viaJump, pins, jumpDeps), "not_pinned");
    expect(unpinned.message).toContain("jump host jumpbox");
    const probed = await probeNode(viaJump, jumpDeps);
    expect(probed).toEqual({ hostKeySha256: sshd.hostKeySha256(), recipient: broker.recipient, jumpHostKeySha256: sshd.hostKeySha256() });
    const client = await NodeClient.connect(viaJump, { ...pins, jumpHostKeySha256: probed.jumpHostKeySha256! }, jumpDeps);
    try {
      expect(await client.getPublicKey()).toBe(broker.recipient);
    } finally {
      client.close();
    }
    await expectNodeError(NodeClient.connect({ ...target, proxyJump: "a,b" }, { ...pins, jumpHostKeySha256: "SHA256:x" }, deps()), "ssh_unreachable");
  });

  it("pins the ProxyJump hop's host key and refuses a changed one before authenticating to it", async () => {
    const jump = await startSshd({ dir: join(tmp.path, "jump-sshd") });
    try {
      const home = join(tmp.path, "jump-home-2");
      mkdirSync(join(home, ".ssh"), { recursive: true });
      writeFileSync(join(home, ".ssh", "config"), `Host hop\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User root\n  IdentityFile ${jump.userKeyFile}\n`);
      const jumpDeps = deps({ env: { HOME: home, USER: "root" } });
      const viaJump = { ...target, proxyJump: "hop" };
      const probed = await probeNode(viaJump, jumpDeps);
      expect(probed).toEqual({ hostKeySha256: sshd.hostKeySha256(), recipient: broker.recipient, jumpHostKeySha256: jump.hostKeySha256() });
      const jumpPins: NodePins = { ...pins, jumpHostKeySha256: probed.jumpHostKeySha256! };
      const ok = await pushSecrets({ target: viaJump, pins: jumpPins, project: { name: project, allowlist: ["GITHUB_TOKEN"] }, lookup, registeredPath: projectPath }, jumpDeps);
      expect(ok).toMatchObject({ secretCount: 1, registered: true });

      const pushesBefore = (await auditRecords(broker)).filter((r) => r.event === "secrets.pushed").length;
      const nodeAccepted = (sshd.log().match(/Accepted publickey/g) ?? []).length;
      await jump.rotateHostKey();
      const jumpLogStart = jump.log().length;
      const e = await expectNodeError(pushSecrets({ target: viaJump, pins: jumpPins, project: { name: project, allowlist: ["GITHUB_TOKEN"] }, lookup, registeredPath: projectPath }, jumpDeps), "host_key_changed");
      expect(e.message).toContain("jump host hop");
      expect(e.message).toContain(jump.hostKeySha256());
      expect(e.message).toContain(probed.jumpHostKeySha256!);
      // The changed hop saw no authentication, and the node no connection at all.
      expect(jump.log().slice(jumpLogStart)).not.toMatch(/publickey|Accepted|Failed/);
      expect((sshd.log().match(/Accepted publickey/g) ?? []).length).toBe(nodeAccepted);
      expect((await auditRecords(broker)).filter((r) => r.event === "secrets.pushed")).toHaveLength(pushesBefore);
    } finally {
      await jump.stop();
    }
  });

  it("refuses a changed host key during key exchange, before authenticating", async () => {
    const acceptedBefore = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const pushesBefore = (await auditRecords(broker)).filter((r) => r.event === "secrets.pushed").length;
    await sshd.rotateHostKey();
    const logStart = sshd.log().length;
    const e = await expectNodeError(pushSecrets({ target, pins, project: { name: project, allowlist: ["GITHUB_TOKEN"] }, lookup, registeredPath: projectPath }, deps()), "host_key_changed");
    expect(e.message).toContain(sshd.hostKeySha256());
    expect(e.message).toContain(pins.hostKeySha256!);
    // sshd saw no authentication attempt at all: the client hung up during key exchange.
    const after = sshd.log().slice(logStart);
    expect(after).not.toMatch(/publickey|Accepted|Failed/);
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length).toBe(acceptedBefore);
    expect((await auditRecords(broker)).filter((r) => r.event === "secrets.pushed")).toHaveLength(pushesBefore);
    // Re-pinning after the user verified the new key makes pushes work again.
    const repinned = await probeNode(target, deps());
    expect(repinned.hostKeySha256).toBe(sshd.hostKeySha256());
    const ok = await pushSecrets({ target, pins: { ...pins, hostKeySha256: repinned.hostKeySha256 }, project: { name: project, allowlist: ["GITHUB_TOKEN"] }, lookup, registeredPath: projectPath }, deps());
    expect(ok.secretCount).toBe(1);
  });

  it("installs the real broker package over SFTP with its install.sh (into a staging root)", async () => {
    const client = await NodeClient.connect(target, { ...pins, hostKeySha256: sshd.hostKeySha256() }, deps());
    const remoteDir = join(tmp.path, "install-staging");
    const root = join(tmp.path, "install-root");
    const packaging = join(repoRoot, "broker", "packaging");
    const files = [
      { path: "remo-broker.js", content: readFileSync(brokerBin), mode: 0o755 },
      ...readdirSync(packaging).map((name) => ({ path: name, content: readFileSync(join(packaging, name)), mode: name.endsWith(".sh") ? 0o755 : 0o644 })),
    ];
    try {
      const log = await client.installBroker(files, remoteDir, { env: { REMO_ROOT: root, REMO_SYSTEMD_CREDS: "none" } });
      expect(log).toContain("remo-broker install: created the node's key (plaintext)");
      expect(readFileSync(join(root, "usr/local/lib/remo-broker/remo-broker.js"))).toEqual(readFileSync(brokerBin));
      const recipient = readFileSync(join(root, "etc/remo-broker/recipient"), "utf8").trim();
      expect(log).toContain(`node recipient (pin this on the laptop): ${recipient}`);
      expect(existsSync(remoteDir)).toBe(false); // the staging folder is removed
      await expectNodeError(client.installBroker([{ path: "README", content: new Uint8Array(), mode: 0o644 }], remoteDir), "broker_error");
    } finally {
      client.close();
    }
  });

  it("encrypts bundles the real age CLI decrypts with the broker's identity", async () => {
    const { encryptBundle } = await import("../../extension/src/push/encrypt.ts");
    const plaintext = encodeBundle({ GITHUB_TOKEN: "interop-value", NPM_TOKEN: "x" });
    const ciphertext = await encryptBundle(plaintext, broker.recipient);
    const out = execFileSync("age", ["--decrypt", "--identity", broker.identityFile], { input: ciphertext });
    expect(out.toString("utf8")).toBe(plaintext);
  });

  it("never lets the sentinel reach sshd's log, the broker's output, the audit, our log or the process list", () => {
    const sources: Record<string, string> = {
      "sshd log": sshd.log(),
      "broker output": broker.output(),
      "node-client log": logLines.join("\n"),
      ...readTree(join(broker.dir, "log")),
      ...readTree(join(broker.dir, "state")),
    };
    procSnapshots.forEach((snap, i) => { for (const [k, v] of Object.entries(snap)) sources[`snapshot ${i} ${k}`] = v; });
    expect(Object.keys(sources).length).toBeGreaterThan(4);
    expect(findLeaks(sentinel, sources)).toEqual([]);
    expect(findLeaks(other, sources)).toEqual([]);
    // The scan can fail: the sentinel does appear where it should (the test's own lookup table).
    expect(findLeaks(sentinel, { values: JSON.stringify(values) })).toEqual(["values"]);
  });
});
