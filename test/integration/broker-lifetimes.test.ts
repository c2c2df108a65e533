import { execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { brokerBin, readAudit, requestLines, runCli, startBroker, writeProject, type BrokerHandle } from "../helpers/broker-process.ts";
import { readableCopy } from "../helpers/readable-copy.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

// Names and lifetimes: a name stays bound to its folder and socket owner until unregistered,
// and unregister leaves nothing of the project behind for the next one to inherit.
const brokers: BrokerHandle[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop();
});
async function broker(): Promise<BrokerHandle> {
  const b = await startBroker();
  brokers.push(b);
  return b;
}
const get = async (socket: string, name: string): Promise<Record<string, unknown>> => (await requestLines(socket, [JSON.stringify({ op: "get", name })]))[0] ?? {};
const registry = (b: BrokerHandle): { projects: { name: string; approved_allowlist?: string[] }[] } =>
  JSON.parse(readFileSync(join(b.stateDir, "projects.json"), "utf8")) as { projects: { name: string; approved_allowlist?: string[] }[] };

describe("unregister", () => {
  it("destroys the project's bundle, its approved allowlist and its socket directory; a new project of that name inherits nothing", async () => {
    const b = await broker();
    const { projectPath, socketPath } = await b.registerProject("gone", { allowlist: ["A"] });
    expect(await b.pushSecrets({ A: "old-project-secret" }, "gone")).toMatchObject({ ok: true });
    const bundle = join(b.stateDir, "bundles", "project-gone.age");
    expect(statSync(bundle).size).toBeGreaterThan(0);
    expect(registry(b).projects.map((p) => p.name)).toEqual(["gone"]);

    expect(await b.admin({ op: "unregister", name: "gone" })).toEqual({ ok: true });
    expect(existsSync(bundle)).toBe(false);
    expect(registry(b).projects).toEqual([]);
    expect(existsSync(join(b.runtimeDir, "projects", "gone"))).toBe(false);

    // Same name again (same folder): no secret of the old registration, not even after a restart.
    expect(await b.admin({ op: "register", name: "gone", project_path: projectPath })).toMatchObject({ ok: true });
    expect(await get(socketPath, "A")).toMatchObject({ ok: false, code: "not_found" });
    await b.stop();
    await b.restart();
    expect(await get(socketPath, "A")).toMatchObject({ ok: false, code: "not_found" });
  });

  it("an orphaned project bundle found at start is destroyed, not served to the next registration", async () => {
    const b = await broker();
    await b.registerProject("orphan", { allowlist: ["A"] });
    expect(await b.pushSecrets({ A: "orphaned" }, "orphan")).toMatchObject({ ok: true });
    await b.stop();
    // As if unregister had been cut off after the registry write.
    const reg = registry(b);
    writeFileSync(join(b.stateDir, "projects.json"), JSON.stringify({ ...reg, projects: [] }));
    await b.restart();
    expect(existsSync(join(b.stateDir, "bundles", "project-orphan.age"))).toBe(false);
    const { socketPath } = await b.registerProject("orphan", { allowlist: ["A"] });
    expect(await get(socketPath, "A")).toMatchObject({ ok: false, code: "not_found" });
  });
});

describe("restore at start", () => {
  it("recreates every project's directory and socket before ready; a project whose manifest became a FIFO is reported (status, audit) without holding up the others", async () => {
    const b = await broker();
    const good = await b.registerProject("steady", { allowlist: ["A"] });
    const bad = await b.registerProject("hostile", { allowlist: ["A"] });
    await b.pushSecrets({ A: "a" });
    const dirInode = statSync(join(b.runtimeDir, "projects", "steady")).ino;
    expect(await b.stop()).toBe(0);
    const manifest = join(bad.projectPath, ".devcontainer", "remo-broker.toml");
    rmSync(manifest);
    execFileSync("mkfifo", [manifest]);
    await b.restart();
    // Ready means both sockets exist again, in the directories that were already there.
    expect(statSync(join(b.runtimeDir, "projects", "steady")).ino).toBe(dirInode);
    expect(statSync(bad.socketPath).isSocket()).toBe(true);
    expect(await get(good.socketPath, "A")).toMatchObject({ ok: true, value: "a" });
    expect(await get(bad.socketPath, "A")).toMatchObject({ ok: false, code: "denied" });
    const status = await b.admin({ op: "status" });
    expect(status.warnings).toContain(`Project "hostile" serves nothing: ${manifest} is not a regular file (it is a FIFO), so the broker does not read it. Replace it with a plain file, then retry. Then run \`remo-broker admin reload --name hostile\`.`);
    await readAudit(b.auditFile, (rs) => rs.filter((r) => r.event === "manifest.invalid" && r.project === "hostile").length === 1);
  });
});

describe("names are bound", () => {
  it("push-creds for a project nobody registered is project_unknown and stores nothing", async () => {
    const b = await broker();
    const r = await b.pushSecrets({ A: "a" }, "nobody");
    expect(r).toEqual({ ok: false, code: "project_unknown", message: "No project \"nobody\" is registered. Register it with `remo-broker admin register --name nobody --project-path <dir>`." });
    expect(existsSync(join(b.stateDir, "bundles", "project-nobody.age"))).toBe(false);
  });

  it("registering a bound name with another folder is project_exists and changes nothing", async () => {
    const b = await broker();
    const first = await b.registerProject("bound", { allowlist: ["A"] });
    await b.pushSecrets({ A: "first" }, "bound");
    const elsewhere = join(b.dir, "elsewhere");
    mkdirSync(elsewhere);
    const otherPath = writeProject(elsewhere, "bound", { allowlist: ["A"] });
    const r = await b.admin({ op: "register", name: "bound", project_path: otherPath, socket_owner: "0:0" });
    expect(r).toEqual({ ok: false, code: "project_exists", message: `The name "bound" is bound to ${first.projectPath} (socket ${first.socketPath}) until it is unregistered. Register this folder under another name, or run \`remo-broker admin unregister --name bound\` first.` });
    expect(await b.admin({ op: "register", name: "bound", project_path: first.projectPath })).toMatchObject({ ok: false, code: "project_exists" });
    expect(await get(first.socketPath, "A")).toMatchObject({ ok: true, value: "first" });
    expect(registry(b).projects).toHaveLength(1);
  });
});

describe("the process", () => {
  it("has RLIMIT_CORE 0 in /proc/<pid>/limits and no hardening warning", async () => {
    const b = await broker();
    expect(readFileSync(`/proc/${b.pid}/limits`, "utf8")).toMatch(/^Max core file size\s+0\s+0\s+bytes\s*$/m);
    expect(((await b.admin({ op: "status" })).warnings as string[]).join("\n")).not.toContain("non-dumpable");
  });

  it.skipIf(process.getuid?.() !== 0)("is not dumpable: run as nobody, its /proc/<pid> files belong to root (a plain node process's do not)", async () => {
    // proc(5): the /proc/<pid> files of a non-dumpable process are owned by root. /proc/<pid>/status
    // has no Dumpable line, so ownership is how another process sees it; it needs a non-root broker.
    const tmp = makeTempDir("remo-nobody-");
    try {
      chmodSync(tmp.path, 0o755);
      const key = join(tmp.path, "key");
      expect((await runCli(["keygen", "--out", key])).code).toBe(0);
      for (const d of ["run", "state", "log"]) mkdirSync(join(tmp.path, d), { mode: 0o700 });
      for (const p of [key, join(tmp.path, "run"), join(tmp.path, "state"), join(tmp.path, "log")]) chownSync(p, 65534, 65534);
      const control = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { uid: 65534, gid: 65534, stdio: "ignore" });
      const child = spawn(process.execPath, [readableCopy(brokerBin, join(dirname(brokerBin), "peercred.node")), "serve", "--unsafe-paths", "--runtime-dir", join(tmp.path, "run"), "--state-dir", join(tmp.path, "state"),
        "--audit-file", join(tmp.path, "log", "audit.jsonl"), "--identity", key], { uid: 65534, gid: 65534, stdio: ["ignore", "pipe", "pipe"] });
      try {
        await new Promise<void>((resolve, reject) => {
          let out = "";
          const timer = setTimeout(() => { reject(new Error(`broker as nobody not ready within 30 s:\n${out}`)); }, 30_000);
          const onData = (d: Buffer): void => {
            out += d.toString();
            if (out.includes("serving:")) { clearTimeout(timer); resolve(); }
          };
          child.stdout.on("data", onData);
          child.stderr.on("data", onData);
          child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`broker as nobody exited ${String(code)}:\n${out}`)); });
        });
        expect(readFileSync(`/proc/${child.pid}/status`, "utf8")).toMatch(/^Uid:\s+65534\s/m);
        expect(statSync(`/proc/${child.pid}/status`).uid).toBe(0);
        expect(statSync(`/proc/${child.pid}/environ`).uid).toBe(0);
        expect(statSync(`/proc/${control.pid}/status`).uid).toBe(65534);
        expect(readFileSync(`/proc/${child.pid}/limits`, "utf8")).toMatch(/^Max core file size\s+0\s+0\s+bytes\s*$/m);
      } finally {
        child.kill("SIGKILL");
        control.kill("SIGKILL");
      }
    } finally {
      tmp.cleanup();
    }
  });
});
