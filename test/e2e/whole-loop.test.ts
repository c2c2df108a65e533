// The whole loop as a user meets it, with nothing mocked:
//   node:      a broker started as a service would be (keygen, 0600 identity, its own runtime,
//              state and audit paths) behind a real OpenSSH sshd on 127.0.0.1;
//   laptop:    the extension's own modules create the manifest, synthesize devcontainer.json,
//              probe and pin the node, push the bundle and register the project over SSH;
//   container: the feature installed by its install.sh in a Debian chroot that sees only the
//              project socket, mounted where the synthesized devcontainer.json says.
// Then the audit view's data source, a manifest change, a broker restart, clear-creds, and a
// leak scan for the sentinel values across every log, audit record, error, output and /proc.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseManifest, type AuditRecord } from "#protocol";
import { parse as parseJsonc } from "jsonc-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeWorkspaceFs } from "../../extension/src/devcontainer/node-workspace-fs.ts";
import { synthesizeWorkspace } from "../../extension/src/devcontainer/synthesize-workspace.ts";
import { renderManifest } from "../../extension/src/manifest-authoring/render-manifest.ts";
import type { NodePins, NodeTarget } from "../../extension/src/node/node-target.ts";
import { NodeError } from "../../extension/src/node/errors.ts";
import { NodeClient, probeNode, type NodeClientDeps } from "../../extension/src/node/admin-client.ts";
import { pushSecrets } from "../../extension/src/push/push-secrets.ts";
import type { Sandbox } from "../feature/debian-root.ts";
import { featureDir, install, newFeatureSandbox, skipReason as chrootSkip } from "../feature/feature-sandbox.ts";
import { brokerBin, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel, readTree } from "../helpers/sentinel.ts";
import { startSshd, writeBrokerWrapper, type SshdHandle } from "../helpers/sshd.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { inContainer, parseMount, sampleProcsDuring, sha256 } from "./e2e-helpers.ts";

const skip = chrootSkip ?? (existsSync("/usr/sbin/sshd") ? null : "sshd is not installed (scripts/ensure-system-deps.sh installs openssh-server)");
const projectName = "e2eloop";

// The laptop's secret store (SecretStorage in VS Code): one value the allowlist does not name.
const laptop = new Map<string, string>([
  ["GITHUB_TOKEN", makeSentinel("E2E_GITHUB")],
  ["NPM_TOKEN", makeSentinel("E2E_NPM")],
  ["SLACK_TOKEN", makeSentinel("E2E_SLACK")],
  ["AWS_SECRET", makeSentinel("E2E_AWS_NOT_ALLOWED")],
]);
const needles = [...laptop.values()];
const asked: string[] = [];
const lookup = (name: string): Promise<string | undefined> => { asked.push(name); return Promise.resolve(laptop.get(name)); };

/** Everything the test saw that a user or operator could see: scanned for values at the end. */
const seen: Record<string, string> = {};
const logLines: string[] = [];
const procHits: string[] = [];
let procSnapshots = 0;

describe.skipIf(skip !== null)("the whole loop: laptop modules → ssh → broker → container client", () => {
  const tmp = makeTempDir("remo-e2e-");
  let broker!: BrokerHandle;
  let sshd!: SshdHandle;
  let sandbox!: Sandbox;
  const cleanups: (() => unknown)[] = [];
  let target: NodeTarget;
  let pins: NodePins;
  let projectPath: string;
  let socketPath: string;
  let mountTarget: string;
  const deps: NodeClientDeps = { readFile: (p) => readFile(p), env: { HOME: tmp.path, USER: "root" }, log: (l) => { logLines.push(l); }, connectTimeoutMs: 30_000 };

  /** Runs a script in the container and keeps its output for the leak scan. */
  async function container(label: string, script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const r = await inContainer(sandbox, dirname(socketPath), mountTarget, script);
    seen[`container ${label} stdout`] = r.stdout;
    seen[`container ${label} stderr`] = r.stderr;
    return r;
  }

  /** The audit view's data source: NodeClient.audit over SSH, as the view calls it. */
  async function auditView(): Promise<AuditRecord[]> {
    const client = await NodeClient.connect(target, pins, deps);
    try {
      const records = await client.audit({ project: projectName });
      seen[`audit view ${Object.keys(seen).length}`] = JSON.stringify(records);
      return records;
    } finally {
      client.close();
    }
  }

  beforeAll(async () => {
    // The node: a broker as a service would start it, behind a real sshd.
    mkdirSync(join(tmp.path, "node"));
    broker = await startBroker({ dir: join(tmp.path, "node") });
    cleanups.push(() => broker.stop());
    sshd = await startSshd({ dir: join(tmp.path, "sshd") });
    cleanups.push(() => sshd.stop());
    const wrapper = writeBrokerWrapper(join(tmp.path, "node-bin"), broker, brokerBin);
    projectPath = join(tmp.path, "node", "checkouts", projectName);
    mkdirSync(projectPath, { recursive: true });
    writeFileSync(join(projectPath, "package.json"), JSON.stringify({ name: projectName, private: true }) + "\n");
    target = { name: "e2e-node", host: "127.0.0.1", port: sshd.port, user: "root", identityFile: sshd.userKeyFile, projectPath, brokerCommand: wrapper };
    // The container image with the feature installed by its own install.sh.
    sandbox = newFeatureSandbox();
    cleanups.push(() => { sandbox.cleanup(); });
    const installed = await install(sandbox, { installGitCredentialHelper: true });
    expect(installed.status, installed.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    tmp.cleanup();
  });

  it("starts the broker as a service would: a 0600 identity, sockets in its runtime dir, audit file 0640", async () => {
    expect(statSync(broker.identityFile).mode & 0o777).toBe(0o600);
    expect(statSync(broker.adminSocket).mode & 0o777).toBe(0o600);
    const status = await broker.admin({ op: "status" });
    expect(status).toMatchObject({ ok: true, protocol_version: 2, decryption_key_source: "plaintext", secret_count: 0 });
    expect(statSync(broker.auditFile).mode & 0o777).toBe(0o640);
  });

  it("laptop: the extension creates the manifest and synthesizes devcontainer.json with the broker mount and the feature", async () => {
    const manifest = renderManifest({ projectName, secrets: ["GITHUB_TOKEN", "NPM_TOKEN"], description: "end-to-end test project" });
    expect(parseManifest(manifest, { folderName: projectName }).issues).toEqual([]);
    mkdirSync(join(projectPath, ".devcontainer"), { recursive: true });
    writeFileSync(join(projectPath, ".devcontainer", "remo-broker.toml"), manifest);

    const result = await synthesizeWorkspace(projectPath, nodeWorkspaceFs(), { featureSource: featureDir, write: true });
    expect(result.conflicts).toEqual([]);
    expect(result.created).toBe(true);
    expect(result.projectName).toBe(projectName);
    const config = parseJsonc(readFileSync(join(projectPath, ".devcontainer", "devcontainer.json"), "utf8")) as { mounts?: unknown[]; features?: Record<string, unknown> };
    expect(Object.keys(config.features ?? {})).toContain("./remo-secrets");
    expect(existsSync(join(projectPath, ".devcontainer", "remo-secrets", "install.sh"))).toBe(true);
    const mount = (config.mounts ?? []).map(parseMount).find((m) => m?.target === "/run/remo-broker");
    expect(mount).toEqual({ source: `/run/remo-broker/projects/${projectName}`, target: "/run/remo-broker", type: "bind" });
    mountTarget = mount!.target;
    // Synthesizing again changes nothing.
    const again = await synthesizeWorkspace(projectPath, nodeWorkspaceFs(), { featureSource: featureDir, write: true });
    expect(again.after).toBe(result.after);
    expect(again.changes).toEqual([]);
  });

  it("laptop: adds the node (probe shows the host key and broker key to pin), pushes and registers the project", async () => {
    const probed = await probeNode(target, deps);
    // What the user is shown to confirm is exactly what the node has.
    expect(probed).toEqual({ hostKeySha256: sshd.hostKeySha256(), recipient: broker.recipient });
    pins = { hostKeySha256: probed.hostKeySha256, recipient: probed.recipient, pinnedAt: new Date().toISOString() };

    const manifest = parseManifest(readFileSync(join(projectPath, ".devcontainer", "remo-broker.toml"), "utf8"), { folderName: projectName });
    const allowlist = manifest.manifest!.allowlist;
    const { result, hits, snapshots } = await sampleProcsDuring(needles, () => pushSecrets({ target, pins, project: { name: projectName, allowlist }, lookup, register: true }, deps));
    procHits.push(...hits.map((h) => `during first push: ${h}`));
    procSnapshots += snapshots;
    expect(result).toMatchObject({ secretCount: 2, missing: [], registered: true });
    // The repository's allowlist decides what is read from the laptop's store, nothing else.
    expect([...new Set(asked)].sort()).toEqual(["GITHUB_TOKEN", "NPM_TOKEN"]);
    const status = await broker.admin({ op: "status" });
    const project = (status.projects as { name: string; socket_path: string }[]).find((p) => p.name === projectName);
    expect(project).toBeDefined();
    socketPath = project!.socket_path;
    // The socket the broker made is the one the synthesized mount names (only the runtime dir differs in this test).
    expect(basename(socketPath)).toBe("sock");
    expect(basename(dirname(socketPath))).toBe(projectName);
  });

  it("container: `remo-secrets exec` gets the values, `git credential fill` gets the token, a name off the allowlist is denied", async () => {
    // The container sees the project socket and nothing else of the broker (no admin socket).
    const view = await container("view", "ls -A /run/remo-broker; test -S /run/remo-broker/sock && echo socket");
    expect(view.stdout).toBe("sock\nsocket\n");
    const exec = await container("exec", "remo-secrets exec -- sh -c 'printf %s \"$GITHUB_TOKEN\" | sha256sum; printf %s \"$NPM_TOKEN\" | sha256sum'");
    expect(exec.status, exec.stderr).toBe(0);
    expect(exec.stdout.split("\n").filter(Boolean).map((l) => l.split(" ")[0])).toEqual([sha256(laptop.get("GITHUB_TOKEN")!), sha256(laptop.get("NPM_TOKEN")!)]);

    const { result: git, hits, snapshots } = await sampleProcsDuring(needles, () => container("git", "printf 'protocol=https\\nhost=github.com\\n\\n' | git credential fill | sed -n 's/^password=//p' | tr -d '\\n' | sha256sum"));
    procHits.push(...hits.map((h) => `during git credential fill: ${h}`));
    procSnapshots += snapshots;
    expect(git.status, git.stderr).toBe(0);
    expect(git.stdout.split(" ")[0]).toBe(sha256(laptop.get("GITHUB_TOKEN")!));

    const denied = await container("denied", "remo-secrets get AWS_SECRET");
    expect(denied.status).toBe(3);
    expect(denied.stdout).toBe("");
    expect(denied.stderr).toContain("\"AWS_SECRET\" is not on this project's allowlist");

    // Nothing the container did wrote a value into its filesystem layer.
    expect(findLeaks(laptop.get("GITHUB_TOKEN")!, readTree(sandbox.upper))).toEqual([]);
  });

  it("audit view data source shows the gets, the push and the denial, with no values", async () => {
    const records = await auditView();
    const has = (p: (r: AuditRecord) => boolean): boolean => records.some(p);
    expect(has((r) => r.event === "secrets.pushed" && r.outcome === "ok" && r.secret_count === 2)).toBe(true);
    expect(has((r) => r.event === "project.register")).toBe(true);
    expect(has((r) => r.event === "secret.get" && r.secret === "GITHUB_TOKEN" && r.outcome === "ok")).toBe(true);
    expect(has((r) => r.event === "secret.get" && r.secret === "NPM_TOKEN" && r.outcome === "ok")).toBe(true);
    expect(has((r) => r.event === "secret.get" && r.secret === "AWS_SECRET" && r.outcome === "denied")).toBe(true);
    expect(findLeaks(needles[0]!, { audit: JSON.stringify(records) })).toEqual([]);
  });

  it("after the manifest gains a secret: reload + push again, and the container fetches the new one", async () => {
    writeFileSync(join(projectPath, ".devcontainer", "remo-broker.toml"), renderManifest({ projectName, secrets: ["GITHUB_TOKEN", "NPM_TOKEN", "SLACK_TOKEN"], description: "end-to-end test project" }));
    const allowlist = parseManifest(readFileSync(join(projectPath, ".devcontainer", "remo-broker.toml"), "utf8"), { folderName: projectName }).manifest!.allowlist;
    // The laptop registered the project from this path at the first push, so project_exists means it is ours.
    const { result, hits, snapshots } = await sampleProcsDuring(needles, () => pushSecrets({ target, pins, project: { name: projectName, allowlist }, lookup, register: true, registeredPath: target.projectPath }, deps));
    procHits.push(...hits.map((h) => `during second push: ${h}`));
    procSnapshots += snapshots;
    expect(result).toMatchObject({ secretCount: 3, missing: [], registered: true });
    expect(await broker.admin({ op: "status" })).toMatchObject({ projects: [expect.objectContaining({ name: projectName, allowlist_size: 3 })] });
    const { result: r, hits: getHits, snapshots: getSnapshots } = await sampleProcsDuring(needles, () => container("slack", "remo-secrets get SLACK_TOKEN | sha256sum"));
    procHits.push(...getHits.map((h) => `during remo-secrets get: ${h}`));
    procSnapshots += getSnapshots;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split(" ")[0]).toBe(sha256(laptop.get("SLACK_TOKEN")!));
    expect(asked).not.toContain("AWS_SECRET");
    expect((await auditView()).some((x) => x.event === "project.reload")).toBe(true);
  });

  it("a push to a node whose broker key no longer matches the pin is refused with a clear error, and nothing is sent", async () => {
    const before = (await auditView()).filter((r) => r.event === "secrets.pushed").length;
    const wrongPins: NodePins = { ...pins, recipient: "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq" };
    const allowlist = ["GITHUB_TOKEN", "NPM_TOKEN", "SLACK_TOKEN"];
    const err = await pushSecrets({ target, pins: wrongPins, project: { name: projectName, allowlist }, lookup, register: true }, deps).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).code).toBe("recipient_changed");
    expect((err as Error).message).toMatch(/Nothing was sent.*Re-pin Node/s);
    seen["recipient_changed error"] = `${(err as Error).message}\n${(err as Error).stack ?? ""}`;
    expect((await auditView()).filter((r) => r.event === "secrets.pushed").length).toBe(before);
  });

  it("after a broker restart the pushed bundle serves again without another push (stored encrypted)", async () => {
    expect(await broker.stop()).toBe(0);
    await broker.restart();
    // On disk it is ciphertext only.
    expect(findLeaks(laptop.get("GITHUB_TOKEN")!, readTree(broker.stateDir))).toEqual([]);
    const r = await container("after-restart", "remo-secrets exec --only GITHUB_TOKEN,SLACK_TOKEN -- sh -c 'printf %s \"$GITHUB_TOKEN$SLACK_TOKEN\" | sha256sum'");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split(" ")[0]).toBe(sha256(laptop.get("GITHUB_TOKEN")! + laptop.get("SLACK_TOKEN")!));
  });

  it("clear-creds through the extension's client: gets are not_found, also after another restart", async () => {
    const client = await NodeClient.connect(target, pins, deps);
    try {
      await client.clear(projectName);
    } finally {
      client.close();
    }
    const r = await container("cleared", "remo-secrets get GITHUB_TOKEN");
    expect(r.status).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no value for "GITHUB_TOKEN" has been pushed yet: run 'Remo: Push Secrets'/);
    await broker.kill9();
    await broker.restart();
    const again = await container("cleared-restart", "remo-secrets get GITHUB_TOKEN");
    expect(again.status).toBe(4);
    const records = await auditView();
    expect(records.some((x) => x.event === "secrets.cleared")).toBe(true);
  });

  it("leak scan: no value in any log, audit record, error, output, sshd log, file on the node, or /proc snapshot", () => {
    const sources: Record<string, string> = {
      ...seen,
      "broker stdout+stderr": broker.output(),
      "sshd log": sshd.log(),
      "extension log lines": logLines.join("\n"),
      ...readTree(broker.dir),
      ...readTree(join(tmp.path, "sshd")),
      ...readTree(projectPath),
    };
    // Sanity: the scan reads real content (the audit file and sshd log are not empty).
    expect(sources[broker.auditFile]?.length ?? 0).toBeGreaterThan(0);
    expect(sources["sshd log"]!.length).toBeGreaterThan(0);
    expect(needles.flatMap((n) => findLeaks(n, sources))).toEqual([]);
    expect(procHits).toEqual([]);
    // The /proc scan really ran during the pushes and the fetch (not a vacuous pass).
    expect(procSnapshots).toBeGreaterThan(6);
    // `journalctl`-style: the broker's own audit CLI prints no value either.
    const cli = execFileSync(process.execPath, [brokerBin, "audit", "--audit-file", broker.auditFile, "--json"], { encoding: "utf8" });
    expect(needles.flatMap((n) => findLeaks(n, { "remo-broker audit --json": cli }))).toEqual([]);
  });
});

describe("leak scan controls (the scans can fail)", () => {
  it("the /proc sampler sees a value in another process's environment and argv", async () => {
    const canary = makeSentinel("CANARY");
    const { hits } = await sampleProcsDuring([canary], () => new Promise<void>((resolve) => {
      const child = spawn("sh", ["-c", "sleep 0.5", "sh", canary], { env: { PATH: process.env.PATH, CANARY: canary }, stdio: "ignore" });
      child.on("exit", () => { resolve(); });
    }));
    expect(hits.some((h) => h.endsWith("/environ"))).toBe(true);
    expect(hits.some((h) => h.endsWith("/cmdline"))).toBe(true);
  });
});

describe.runIf(skip !== null)("the whole loop (unavailable)", () => {
  it.runIf(process.env.REMO_ALLOW_SKIP !== "1")("needs root, sshd and a Debian chroot (set REMO_ALLOW_SKIP=1 to accept the skip)", () => {
    expect.fail(`SKIPPED e2e: ${skip ?? ""}`);
  });
});
