import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readAudit, requestLines, runCli, startBroker, writeProject, type BrokerHandle } from "../helpers/broker-process.ts";
import { makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

// Each case is the attack itself, against the real built broker: what a container (which can
// write its project folder) or a local user could plant, and what the broker must do about it.
const isRoot = process.getuid?.() === 0;
const manifestOf = (projectPath: string): string => join(projectPath, ".devcontainer", "remo-broker.toml");

describe.skipIf(!isRoot)("manifest files a container can plant", () => {
  let broker: BrokerHandle;
  beforeAll(async () => { broker = await startBroker(); });
  afterAll(async () => { await broker.stop(); });

  it("a FIFO manifest: register and reload fail with a clear error while another project's push and register proceed", async () => {
    const fifo = writeProject(join(broker.dir, "projects"), "fifo", { allowlist: ["A"] });
    rmSync(manifestOf(fifo));
    execFileSync("mkfifo", [manifestOf(fifo)]);
    const other = writeProject(join(broker.dir, "projects"), "bystander", { allowlist: ["A"] });
    // All at once on separate connections; each must answer (requestLines fails after its deadline).
    const [reg, push, reg2] = await Promise.all([
      broker.admin({ op: "register", name: "fifo", project_path: fifo }),
      broker.pushSecrets({ A: "a" }),
      broker.admin({ op: "register", name: "bystander", project_path: other }),
    ]);
    expect(reg).toEqual({ ok: false, code: "manifest_invalid", message: `${manifestOf(fifo)} is not a regular file (it is a FIFO), so the broker does not read it. Replace it with a plain file, then retry.` });
    expect(push).toMatchObject({ ok: true });
    expect(reg2).toMatchObject({ ok: true, allowlist: ["A"] });

    // Swapped for a FIFO after registration: reload says so, and the project keeps serving what it had.
    rmSync(manifestOf(other));
    execFileSync("mkfifo", [manifestOf(other)]);
    expect(await broker.admin({ op: "reload", name: "bystander" })).toMatchObject({ ok: false, code: "manifest_invalid" });
    expect((await requestLines(String(reg2.socket_path), [JSON.stringify({ op: "get", name: "A" })]))[0]).toMatchObject({ ok: true, value: "a" });
    await readAudit(broker.auditFile, (rs) => rs.some((r) => r.event === "manifest.invalid" && r.project === "fifo"));
  });

  it("a manifest symlinked to /dev/zero is refused at once, not read", async () => {
    const p = writeProject(join(broker.dir, "projects"), "zero", {});
    rmSync(manifestOf(p));
    symlinkSync("/dev/zero", manifestOf(p));
    const r = await broker.admin({ op: "register", name: "zero", project_path: p });
    expect(r).toEqual({ ok: false, code: "manifest_invalid", message: `${manifestOf(p)} is a symbolic link; the broker does not follow links in a project folder. Replace it with a real file, then retry.` });
  });

  it("a manifest symlinked (or hard-linked) to a root-only file is refused, and no fragment of it reaches the reply, the audit or status", async () => {
    const secret = makeSentinel("ROOTONLY");
    const rootOnly = join(makeTempDir("remo-rootonly-").path, "shadow");
    // Content that would produce a quoting parse error if it were ever read as a manifest.
    writeFileSync(rootOnly, `schema_version = 1\n[${secret}]\nx = "${secret}"\n`, { mode: 0o600 });
    const p = writeProject(join(broker.dir, "projects"), "leaky", {});
    const owner = 65534;
    chownSync(p, owner, owner);
    rmSync(manifestOf(p));
    symlinkSync(rootOnly, manifestOf(p));
    const viaSymlink = await broker.admin({ op: "register", name: "leaky", project_path: p });
    expect(viaSymlink).toMatchObject({ ok: false, code: "manifest_invalid" });
    rmSync(manifestOf(p));
    linkSync(rootOnly, manifestOf(p));
    const viaHardlink = await broker.admin({ op: "register", name: "leaky", project_path: p });
    expect(viaHardlink).toEqual({ ok: false, code: "manifest_invalid", message: `${manifestOf(p)} has 2 hard links, so it may be another file's contents; the broker does not read it. Replace it with a plain copy, then retry.` });
    // The .devcontainer folder itself swapped for a link to a root-only directory.
    rmSync(join(p, ".devcontainer"), { recursive: true });
    symlinkSync(join(rootOnly, ".."), join(p, ".devcontainer"));
    const viaDir = await broker.admin({ op: "register", name: "leaky", project_path: p });
    expect(viaDir).toEqual({ ok: false, code: "manifest_invalid", message: `${join(p, ".devcontainer")} is a symbolic link; the broker does not follow links in a project folder. Replace it with a real directory, then retry.` });
    const status = await broker.admin({ op: "status" });
    const audit = readFileSync(broker.auditFile, "utf8");
    for (const text of [JSON.stringify([viaSymlink, viaHardlink, viaDir]), JSON.stringify(status), audit, broker.output()]) expect(text).not.toContain(secret);
  });

  it("a manifest owned by another user than the project's owner is refused without quoting it", async () => {
    const secret = makeSentinel("FOREIGN");
    const p = writeProject(join(broker.dir, "projects"), "foreign", {});
    chownSync(p, 65534, 65534);
    writeFileSync(manifestOf(p), `[${secret}]\n`);
    chownSync(manifestOf(p), 12345, 12345);
    const r = await broker.admin({ op: "register", name: "foreign", project_path: p });
    expect(r).toEqual({ ok: false, code: "manifest_invalid", message: `${manifestOf(p)} is owned by UID 12345, neither the project's owner (UID 65534) nor root, so the broker does not read it. Fix its ownership, then retry.` });
    expect(JSON.stringify(r)).not.toContain(secret);
  });

  it("a project named admin gets its own directory and cannot touch admin.sock", async () => {
    const before = lstatSync(broker.adminSocket);
    const r = await broker.registerProject("admin", { allowlist: [] });
    expect(r.socketPath).toBe(join(broker.runtimeDir, "projects", "admin", "sock"));
    const after = lstatSync(broker.adminSocket);
    expect([after.isSocket(), after.ino, after.mode & 0o777]).toEqual([true, before.ino, 0o600]);
    expect(await broker.admin({ op: "status" })).toMatchObject({ ok: true });
    expect(await broker.admin({ op: "unregister", name: "admin" })).toEqual({ ok: true });
    expect(lstatSync(broker.adminSocket).ino).toBe(before.ino);
  });

  it("refuses socket_owner 4294967295 ((uid_t)-1, which chown silently ignores) on the wire and in the CLI", async () => {
    const p = writeProject(join(broker.dir, "projects"), "minusone", {});
    const r = await broker.admin({ op: "register", name: "minusone", project_path: p, socket_owner: "4294967295:4294967295" });
    expect(r).toMatchObject({ ok: false, code: "protocol_error" });
    expect(String(r.message)).toContain("at most 4294967294");
    expect(existsSync(join(broker.runtimeDir, "projects", "minusone"))).toBe(false);
    const cli = await runCli(["admin", "--runtime-dir", broker.runtimeDir, "register", "--name", "minusone", "--project-path", p, "--socket-owner", "1000:4294967295"]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain("--socket-owner must be UID:GID, each a number at most 4294967294");
  });
});

describe.skipIf(!isRoot)("paths the broker is started with", () => {
  const tmp = makeTempDir("remo-paths-");
  let key: string;
  beforeAll(async () => {
    key = join(tmp.path, "key");
    expect((await runCli(["keygen", "--out", key])).code).toBe(0);
  });
  afterAll(() => { tmp.cleanup(); });

  let n = 0;
  const fresh = (): string => {
    const d = join(tmp.path, `case-${++n}`);
    mkdirSync(d, { mode: 0o700 });
    return d;
  };
  const serve = (paths: { run: string; state: string; audit: string; identity?: string }): ReturnType<typeof runCli> =>
    runCli(["serve", "--unsafe-paths", "--runtime-dir", paths.run, "--state-dir", paths.state, "--audit-file", paths.audit, "--identity", paths.identity ?? key], { timeoutMs: 20_000 });

  it.each(["run", "state"] as const)("refuses a %s directory that is a symlink, and leaves its target alone", async (which) => {
    const d = fresh();
    const target = join(d, "elsewhere");
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, join(d, which));
    const r = await serve({ run: join(d, "run"), state: join(d, "state"), audit: join(d, "log", "audit.jsonl") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(d, which)} is a symbolic link; the broker refuses it`);
    expect(statSync(target).mode & 0o777).toBe(0o700);
  });

  it("refuses an audit file that is a symlink: the target is neither appended to nor chmod'ed", async () => {
    const d = fresh();
    const target = join(d, "passwd-like");
    writeFileSync(target, "precious\n", { mode: 0o600 });
    mkdirSync(join(d, "log"), { mode: 0o750 });
    symlinkSync(target, join(d, "log", "audit.jsonl"));
    const r = await serve({ run: join(d, "run"), state: join(d, "state"), audit: join(d, "log", "audit.jsonl") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("audit file");
    expect(r.stderr).toContain("is a symbolic link");
    expect([readFileSync(target, "utf8"), statSync(target).mode & 0o777]).toEqual(["precious\n", 0o600]);
  });

  it("refuses a group-writable runtime directory and one owned by another user, saying what to run", async () => {
    const d = fresh();
    mkdirSync(join(d, "run"));
    chmodSync(join(d, "run"), 0o775);
    const loose = await serve({ run: join(d, "run"), state: join(d, "state"), audit: join(d, "log", "audit.jsonl") });
    expect(loose.code).toBe(1);
    expect(loose.stderr).toContain(`Run: chmod go-w ${join(d, "run")}`);
    chmodSync(join(d, "run"), 0o755);
    chownSync(join(d, "run"), 65534, 65534);
    const foreign = await serve({ run: join(d, "run"), state: join(d, "state"), audit: join(d, "log", "audit.jsonl") });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain("is owned by UID 65534, not by the broker's user");
  });

  it("refuses a key file that is a symlink", async () => {
    const d = fresh();
    symlinkSync(key, join(d, "key-link"));
    const r = await serve({ run: join(d, "run"), state: join(d, "state"), audit: join(d, "log", "audit.jsonl"), identity: join(d, "key-link") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The key file ${join(d, "key-link")} is a symbolic link; the broker refuses it`);
  });
});

describe.skipIf(!isRoot)("files planted in the state directory", () => {
  const brokers: BrokerHandle[] = [];
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.stop();
  });

  it("a planted *.tmp symlink is not followed at start, and a bundle symlink is not followed by clear-creds", async () => {
    const b = await startBroker();
    brokers.push(b);
    const victim = join(b.dir, "victim");
    writeFileSync(victim, "keep me\n", { mode: 0o644 });
    expect(await b.stop()).toBe(0);
    symlinkSync(victim, join(b.stateDir, "bundles", ".node.age.deadbeef.tmp"));
    symlinkSync(victim, join(b.stateDir, ".projects.json.deadbeef.tmp"));
    symlinkSync(victim, join(b.stateDir, "bundles", "node.age"));
    await b.restart();
    expect(readFileSync(victim, "utf8")).toBe("keep me\n");
    expect(existsSync(join(b.stateDir, "bundles", ".node.age.deadbeef.tmp"))).toBe(false);
    // The stored bundle is a link: it is not loaded, and clear-creds removes the link only.
    expect(((await b.admin({ op: "status" })).warnings as string[]).join("\n")).toContain("node.age could not be loaded");
    expect(await b.admin({ op: "clear-creds" })).toEqual({ ok: true });
    expect(readFileSync(victim, "utf8")).toBe("keep me\n");
    expect(existsSync(join(b.stateDir, "bundles", "node.age"))).toBe(false);
  });
});
