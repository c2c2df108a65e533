// The laptop decides what a project may receive on a node: push and register carry the names the
// user approved, over a real sshd on 127.0.0.1 to a real broker, through the modules the commands use.
import { readFile } from "node:fs/promises";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodePins, NodeTarget } from "../../extension/src/node/node-target.ts";
import { NodeClient, probeNode, type NodeClientDeps } from "../../extension/src/node/admin-client.ts";
import { pushSecrets } from "../../extension/src/push/push-secrets.ts";
import { brokerBin, requestLines, startBroker, writeProject, type BrokerHandle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel, readTree } from "../helpers/sentinel.ts";
import { startSshd, writeBrokerWrapper, type SshdHandle } from "../helpers/sshd.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { auditRecords, expectNodeError } from "../helpers/node-push.ts";

const project = "approvedproj";
const sentinel = makeSentinel("APPROVEDSECRET");
const other = makeSentinel("OTHERSECRET");
const values: Record<string, string> = { GITHUB_TOKEN: sentinel, NPM_TOKEN: other };
const lookup = (name: string): Promise<string | undefined> => Promise.resolve(values[name]);

let tmp: ReturnType<typeof makeTempDir>;
let broker: BrokerHandle;
let sshd: SshdHandle;
let target: NodeTarget;
let pins: NodePins;
let projectPath: string;
const logLines: string[] = [];

function deps(): NodeClientDeps {
  return { readFile: (p) => readFile(p), env: { HOME: tmp.path, USER: "root" }, log: (l) => { logLines.push(l); }, connectTimeoutMs: 20_000 };
}

/** The socket path `status` lists for a project. */
function socketOf(status: Record<string, unknown>, name: string): string {
  const p = (status.projects as { name: string; socket_path: string }[]).find((x) => x.name === name);
  if (p === undefined) throw new Error(`${name} is not registered: ${JSON.stringify(status.projects)}`);
  return p.socket_path;
}

beforeAll(async () => {
  tmp = makeTempDir("remo-push-approvals-");
  chmodSync(tmp.path, 0o755);
  broker = await startBroker();
  projectPath = writeProject(join(broker.dir, "projects"), project, { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "UNSET_TOKEN"] });
  sshd = await startSshd({ dir: join(tmp.path, "sshd") });
  target = { name: "loopback", host: "127.0.0.1", port: sshd.port, user: "root", identityFile: sshd.userKeyFile, projectPath, brokerCommand: writeBrokerWrapper(tmp.path, broker, brokerBin) };
  pins = await probeNode(target, deps());
});

afterAll(async () => {
  await sshd.stop();
  await broker.stop();
  tmp.cleanup();
});

describe("the approved allowlist travels with push and register", () => {
  it("a first push registers the project serving exactly the approved names", async () => {
    const r = await pushSecrets({ target, pins, project: { name: project, allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] }, lookup }, deps());
    expect(r).toMatchObject({ secretCount: 2, missing: [], registered: true, created: true, served: ["GITHUB_TOKEN", "NPM_TOKEN"] });
    // The node's manifest also lists UNSET_TOKEN, which the user did not approve.
    const [info, unset] = await requestLines(socketOf(await broker.admin({ op: "status" }), project), [JSON.stringify({ op: "info" }), JSON.stringify({ op: "get", name: "UNSET_TOKEN" })]);
    expect(info).toMatchObject({ ok: true, allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] });
    expect(unset).toMatchObject({ ok: false, code: "denied" });
  });

  it("registers with the approved list: a name the node's manifest adds is not served, however the file is edited", async () => {
    // The manifest on the node is writable from the container: add a name the user never approved.
    writeProject(join(broker.dir, "projects"), project, { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "UNSET_TOKEN", "AWS_SECRET_ACCESS_KEY"] });
    const client = await NodeClient.connect(target, pins, deps());
    try {
      const r = await client.register(project, projectPath, ["GITHUB_TOKEN"], { registeredPath: projectPath });
      expect(r).toMatchObject({ created: false, allowlist: ["GITHUB_TOKEN"] });
      // A reload without the laptop (as a process on the node might trigger) keeps the approval.
      expect(await client.reload(project, ["GITHUB_TOKEN"])).toEqual({ allowlist: ["GITHUB_TOKEN"] });
    } finally {
      client.close();
    }
    const socket = socketOf(await broker.admin({ op: "status" }), project);
    const [info, aws, npm] = await requestLines(socket, [JSON.stringify({ op: "info" }), JSON.stringify({ op: "get", name: "AWS_SECRET_ACCESS_KEY" }), JSON.stringify({ op: "get", name: "NPM_TOKEN" })]);
    expect(info).toMatchObject({ ok: true, allowlist: ["GITHUB_TOKEN"] });
    expect(aws).toMatchObject({ ok: false, code: "denied" });
    expect(npm).toMatchObject({ ok: false, code: "denied" });
    writeProject(join(broker.dir, "projects"), project, { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "UNSET_TOKEN"] });
  });

  it("a second project cannot receive a name approved only for the first", async () => {
    const second = "secondproj";
    // Its manifest on the node asks for both names; the user approved only NPM_TOKEN for it.
    const secondPath = writeProject(join(broker.dir, "projects"), second, { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] });
    const secondTarget = { ...target, projectPath: secondPath };
    const asked: string[] = [];
    const r = await pushSecrets({ target: secondTarget, pins, project: { name: second, allowlist: ["NPM_TOKEN"] }, lookup: (n) => { asked.push(n); return lookup(n); } }, deps());
    expect(r).toMatchObject({ secretCount: 1, missing: [], registered: true, created: true, served: ["NPM_TOKEN"] });
    expect(asked).toEqual(["NPM_TOKEN"]); // the first project's GITHUB_TOKEN was never even read
    const socket = socketOf(await broker.admin({ op: "status" }), second);
    const [gh, npm] = await requestLines(socket, [JSON.stringify({ op: "get", name: "GITHUB_TOKEN" }), JSON.stringify({ op: "get", name: "NPM_TOKEN" })]);
    expect(gh).toMatchObject({ ok: false, code: "denied" });
    expect(npm).toMatchObject({ ok: true, value: other });
  });

  it("refuses a project name the node has registered from another path, naming it and sending nothing", async () => {
    const pushesBefore = (await auditRecords(broker)).filter((r) => r.event === "secrets.pushed").length;
    const stateBefore = readTree(broker.stateDir);
    // Another checkout with the same folder name, pushed to the same node.
    const elsewhere = writeProject(join(tmp.path, "elsewhere"), project, { allowlist: ["GITHUB_TOKEN"] });
    // Whether this laptop never registered the name there, or registered it from projectPath: not "ours".
    for (const known of [{}, { registeredPath: projectPath }]) {
      const e = await expectNodeError(pushSecrets({ target: { ...target, projectPath: elsewhere }, pins, project: { name: project, allowlist: ["GITHUB_TOKEN"] }, lookup, ...known }, deps()), "project_conflict");
      expect(e.brokerCode).toBe("project_exists");
      expect(e.message).toContain(`already has a project named "${project}" registered (socket ${socketOf(await broker.admin({ op: "status" }), project)}`);
      expect(e.message).toContain("Nothing was sent.");
      expect(e.message).toContain(`remo-broker admin unregister --name ${project}`);
    }
    expect(readTree(broker.stateDir)).toEqual(stateBefore);
    expect((await auditRecords(broker)).filter((r) => r.event === "secrets.pushed")).toHaveLength(pushesBefore);
  });

  it("an older broker that does not know --allowlist refuses the push with how to update it, sending nothing", async () => {
    // Stands for a broker from before approved allowlists: its admin CLI rejects the flag the way
    // the real one rejects any unknown option (reason first, then the usage text), and runs the rest.
    const old = join(tmp.path, "bin", "old-broker");
    writeFileSync(old, [
      "#!/bin/sh",
      "for a in \"$@\"; do",
      "  if [ \"$a\" = --allowlist ]; then printf 'remo-broker admin: unknown option --allowlist\\nusage: remo-broker admin [--runtime-dir DIR] <op> ...\\n%0400d\\n' 0 >&2; exit 2; fi",
      "done",
      `exec ${target.brokerCommand ?? ""} "$@"`,
      "",
    ].join("\n"), { mode: 0o755 });
    const pushesBefore = (await auditRecords(broker)).filter((r) => r.event === "secrets.pushed").length;
    const e = await expectNodeError(pushSecrets({ target: { ...target, brokerCommand: old }, pins, project: { name: project, allowlist: ["GITHUB_TOKEN"] }, lookup, registeredPath: projectPath }, deps()), "broker_error");
    expect(e.message).toContain("too old to take the allowlist you approved, so nothing was sent");
    expect(e.message).toContain("Install Broker on Node");
    expect((await auditRecords(broker)).filter((r) => r.event === "secrets.pushed")).toHaveLength(pushesBefore);
  });

  it("never lets the sentinels reach sshd's log, the broker's output, the audit or our log", () => {
    const sources: Record<string, string> = { "sshd log": sshd.log(), "broker output": broker.output(), "node-client log": logLines.join("\n"), ...readTree(join(broker.dir, "log")), ...readTree(join(broker.dir, "state")) };
    expect(findLeaks(sentinel, sources)).toEqual([]);
    expect(findLeaks(other, sources)).toEqual([]);
    expect(findLeaks(sentinel, { values: JSON.stringify(values) })).toEqual(["values"]);
  });
});
