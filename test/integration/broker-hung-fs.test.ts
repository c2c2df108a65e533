// Project folders on file systems that hang before any read: in lookup/stat, in open, in close
// (a dead network mount does all of these). The broker runs every file operation of its own
// (audit, registry, bundles) on a pool of four threads; a manifest read that opens, stats or
// closes there pins a thread per attempt, and after four attempts the whole broker's file I/O
// stops. This registers eight such projects at once, then checks a project on a healthy
// folder still works end to end and the broker still stops on SIGTERM; then that one dead mount
// cannot take the readers every other file system needs.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit, requestLines, startBroker, writeProject, type BrokerHandle } from "../helpers/broker-process.ts";
import { hangingFsSkipReason, mountHangingFs, type HangingFs, type HangMode } from "../helpers/hanging-fs.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

const skipReason = hangingFsSkipReason();
if (skipReason !== null) {
  console.warn(`SKIPPED: manifest reads on file systems that hang in lookup/open/close: ${skipReason}`);
  if (process.env.CI !== undefined) throw new Error(`the hanging-file-system tests cannot run in CI: ${skipReason}`);
}

/** Readers the broker leaves blocked before it refuses reads outright. */
const MAX_BLOCKED = 16;
/** Readers one file system may hold, running or blocked, before its further reads are refused. */
const PER_FILE_SYSTEM = 4;
/** libuv's default thread pool: this many pinned threads stop every file operation of the broker. */
const POOL_THREADS = 4;

const manifest = (name: string): string => `schema_version = 1\n\n[project]\nname = ${JSON.stringify(name)}\n\n[allowlist]\nsecrets = ["GITHUB_TOKEN"]\n`;

/** Resolves once `cond()` holds; fails with `what` and the last state after `ms`. */
async function waitFor(what: string, cond: () => boolean, ms: number, state: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms (${state()})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(skipReason !== null)("project folders whose file system hangs in lookup, open or close", () => {
  const tmp = makeTempDir("remo-hung-fs-");
  const secret = makeSentinel("HUNGOPEN");
  let broker: BrokerHandle;
  const mounts = new Map<HangMode, HangingFs>();
  /** The healthy project's socket, from the first test. */
  let healthySocket: string | undefined;
  const undo: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    mkdirSync(join(tmp.path, "broker"));
    broker = await startBroker({ dir: join(tmp.path, "broker") });
    undo.push(async () => { await broker.stop(); });
    for (const mode of ["open", "getattr", "flush", "read"] as const) {
      const fs = await mountHangingFs(tmp.path, `hung-${mode}`, manifest(`hung-${mode}`), { uid: 0, gid: 0 });
      mounts.set(mode, fs);
      // Unmounted after the broker stops (undo runs in reverse), once nothing waits on it.
      undo.unshift(async () => { fs.hang(false); await fs.unmount(); });
    }
  });

  afterAll(async () => {
    for (const fs of mounts.values()) fs.hang(false);
    for (const u of undo.reverse()) await u();
    tmp.cleanup();
  });

  it("eight hung manifest reads leave another project registering, pushing, serving and audited, and SIGTERM still stops the broker", async () => {
    const fsOf = (mode: HangMode): HangingFs => {
      const fs = mounts.get(mode);
      if (fs === undefined) throw new Error(`no ${mode} mount`);
      return fs;
    };
    for (const mode of ["open", "getattr", "flush"] as const) fsOf(mode).hang(mode);
    const attempts = [
      ...Array.from({ length: 6 }, (_, i) => ({ name: `hung-open-${i + 1}`, fs: fsOf("open") })),
      { name: "hung-getattr", fs: fsOf("getattr") },
      { name: "hung-flush", fs: fsOf("flush") },
    ];
    const hung = attempts.map(({ name, fs }) => requestLines(broker.adminSocket, [JSON.stringify({ op: "register", name, project_path: fs.mountpoint })], 20_000)
      .then(([r]) => r, (e: unknown) => ({ ok: false, code: "no_reply", message: (e as Error).message })));
    const hanging = (): number => [...mounts.values()].reduce((n, fs) => n + fs.hangingRequests(), 0);
    const counts = (): string => [...mounts].map(([m, fs]) => `${m}: ${fs.hangingRequests()}`).join(", ");
    // Enough callers stuck in the file systems to hold every thread of the pool, were they on it.
    await waitFor(`${POOL_THREADS} requests hanging in the file systems`, () => hanging() >= POOL_THREADS, 10_000, counts);

    // A project on a healthy folder: register (registry write), push (bundle write), get, audit.
    const projectPath = writeProject(join(tmp.path, "projects"), "healthy", { allowlist: ["GITHUB_TOKEN"] });
    const [reg] = await requestLines(broker.adminSocket, [JSON.stringify({ op: "register", name: "healthy", project_path: projectPath })], 10_000);
    expect(reg, "register of a project on a healthy folder").toMatchObject({ ok: true });
    const push = await broker.pushSecrets({ GITHUB_TOKEN: secret }, "healthy");
    expect(push, "push for the healthy project").toMatchObject({ ok: true });
    const [got] = await requestLines(String(reg?.socket_path), [JSON.stringify({ op: "get", name: "GITHUB_TOKEN" })], 10_000);
    expect(got).toMatchObject({ ok: true, value: secret });
    await readAudit(broker.auditFile, (rs) => rs.some((x) => x.event === "project.register" && x.project === "healthy")
      && rs.some((x) => x.event === "secret.get" && x.project === "healthy"), 10_000);

    // Every hung register fails with what to check, once each in the audit, and every kind of hang was met.
    // The open-hanging file system holds at most four readers: its other two reads are refused once those four are blocked.
    const replies = await Promise.all(hung);
    const timedOut = "the file system holding the project does not answer";
    const refused = `${PER_FILE_SYSTEM} earlier reads of folders on ${fsOf("open").mountpoint} are still blocked in that file system`;
    for (const [i, r] of replies.entries()) {
      expect(r, attempts[i]?.name).toMatchObject({ ok: false, code: "manifest_invalid" });
      expect(String(r?.message)).toContain(attempts[i]?.fs.mountpoint);
    }
    const messages = replies.map((r) => String(r?.message));
    expect(messages.slice(6)).toEqual([expect.stringContaining(timedOut), expect.stringContaining(timedOut)]);
    expect(messages.slice(0, 6).filter((m) => m.includes(timedOut))).toHaveLength(PER_FILE_SYSTEM);
    expect(messages.slice(0, 6).filter((m) => m.includes(refused))).toHaveLength(6 - PER_FILE_SYSTEM);
    for (const mode of ["open", "getattr", "flush"] as const) expect(fsOf(mode).hangingRequests(), `requests hanging in ${mode}`).toBeGreaterThan(0);
    const audit = await readAudit(broker.auditFile, (rs) => attempts.every(({ name }) => rs.some((x) => x.event === "manifest.invalid" && x.project === name)));
    for (const { name } of attempts) expect(audit.filter((x) => x.event === "manifest.invalid" && x.project === name), name).toHaveLength(1);
    const status = await broker.admin({ op: "status" });
    expect((status.projects as { name: string }[]).map((p) => p.name)).toEqual(["healthy"]);

    // The file systems still hang: the broker must still exit, and at once.
    const exit = await Promise.race([broker.stop(), new Promise<string>((r) => setTimeout(() => { r("still running 10 s after SIGTERM"); }, 10_000))]);
    expect(exit).toBe(0);
    const sources = { output: broker.output(), audit: (await readAudit(broker.auditFile)).map((x) => JSON.stringify(x)).join("\n") };
    expect(findLeaks(secret, sources)).toEqual([]);
    // Up again for the next test; the hung file systems were never registered, so nothing waits on them.
    await broker.restart();
    healthySocket = String(reg?.socket_path);
  });

  it("a restart that meets projects whose file systems hang in lookup, open and close reads them side by side, reaches ready, warns about each, and they serve again once the file systems answer", async () => {
    const getattr = mounts.get("getattr");
    const flush = mounts.get("flush");
    const open = mounts.get("open");
    if (getattr === undefined || flush === undefined || open === undefined || healthySocket === undefined) throw new Error("the test above did not run");
    for (const fs of [getattr, flush, open]) fs.hang(false);
    // The first test's readers, abandoned while blocked in open, end once it answers.
    await waitFor("the first test's open requests answered", () => open.hangingRequests() === 0, 10_000, () => `${open.hangingRequests()} still hanging`);
    for (const [name, fs] of [["hung-getattr", getattr], ["hung-flush", flush]] as const) {
      expect(await broker.admin({ op: "register", name, project_path: fs.mountpoint }), name).toMatchObject({ ok: true });
    }
    expect(await broker.pushSecrets({ GITHUB_TOKEN: secret }, "hung-flush")).toMatchObject({ ok: true });
    getattr.hang("getattr");
    flush.hang("flush");
    expect(await broker.stop()).toBe(0);
    // Records without a socket owner (as an older broker wrote them, or one whose owner was out
    // of range) make the restore stat the project folder: that stat must not hang the broker either.
    const registry = join(broker.stateDir, "projects.json");
    const reg = JSON.parse(readFileSync(registry, "utf8")) as { projects: { name: string; project_path?: string; socket_owner?: string; approved_allowlist?: string[] }[] };
    for (const p of reg.projects) if (p.name === "healthy" || p.name === "hung-getattr") delete p.socket_owner;
    // Twelve more projects in a folder whose file system hangs in open. Read one after another,
    // they would hold the restart for 12 × 2 s, and ~15 of them would outlast the 30 s systemd
    // gives the unit to report ready: the restore must read them side by side, four at a time on
    // one file system, and refuse the rest once four are blocked there.
    const hungOpen = Array.from({ length: 12 }, (_, i) => `hung-open-${i + 1}`);
    for (const name of hungOpen) reg.projects.push({ name, project_path: open.mountpoint, socket_owner: "0:0", approved_allowlist: ["GITHUB_TOKEN"] });
    writeFileSync(registry, JSON.stringify(reg));
    open.hang("open");
    const restarted = broker.restart();
    await waitFor(`${PER_FILE_SYSTEM} folder reads in the file system at once`, () => open.hangingRequests() >= PER_FILE_SYSTEM, 15_000, () => `${open.hangingRequests()} hanging`);
    await restarted;
    expect(open.hangingRequests(), "reads left in the open-hanging file system").toBe(PER_FILE_SYSTEM);
    const status = await broker.admin({ op: "status" });
    const warningsOf = (name: string): string[] => (status.warnings as string[]).filter((w) => w.includes(`"${name}"`));
    for (const name of ["hung-getattr", "hung-flush"]) {
      expect(warningsOf(name), name).toHaveLength(1);
      expect(warningsOf(name)[0]).toContain("the file system holding the project does not answer");
    }
    expect(warningsOf("hung-flush")[0]).toContain("remo-broker admin reload --name hung-flush");
    expect(warningsOf("healthy")).toEqual([]);
    const [got] = await requestLines(healthySocket, [JSON.stringify({ op: "get", name: "GITHUB_TOKEN" })], 10_000);
    expect(got).toMatchObject({ ok: true, value: secret });

    for (const name of hungOpen) expect(warningsOf(name), name).toHaveLength(1);
    const openWarnings = hungOpen.map((name) => String(warningsOf(name)[0]));
    expect(openWarnings.filter((w) => w.includes("the file system holding the project does not answer"))).toHaveLength(PER_FILE_SYSTEM);
    expect(openWarnings.filter((w) => w.includes(`earlier reads of folders on ${open.mountpoint} are still blocked in that file system`))).toHaveLength(hungOpen.length - PER_FILE_SYSTEM);
    open.hang(false);
    await waitFor("the open-hanging requests answered", () => open.hangingRequests() === 0, 10_000, () => `${open.hangingRequests()} still hanging`);
    for (const name of hungOpen) expect(await broker.admin({ op: "unregister", name }), name).toMatchObject({ ok: true });

    for (const fs of [getattr, flush]) fs.hang(false);
    for (const name of ["hung-getattr", "hung-flush"]) expect(await broker.admin({ op: "reload", name }), name).toMatchObject({ ok: true });
    const sockets = new Map(((await broker.admin({ op: "status" })).projects as { name: string; socket_path: string }[]).map((p) => [p.name, p.socket_path]));
    const [again] = await requestLines(String(sockets.get("hung-flush")), [JSON.stringify({ op: "get", name: "GITHUB_TOKEN" })], 10_000);
    expect(again).toMatchObject({ ok: true, value: secret });
    const sources = { output: broker.output(), audit: (await readAudit(broker.auditFile)).map((x) => JSON.stringify(x)).join("\n") };
    expect(findLeaks(secret, sources)).toEqual([]);
  });

  it(`a file system with ${PER_FILE_SYSTEM} readers blocked refuses its further reads at once while folders elsewhere are read; past ${MAX_BLOCKED} blocked in all, every read is refused with what to fix; reads work again once the file systems answer`, async () => {
    const dead = (["open", "getattr", "flush", "read"] as const).map((mode) => {
      const fs = mounts.get(mode);
      if (fs === undefined) throw new Error(`no ${mode} mount`);
      return { mode, fs };
    });
    const [first] = dead;
    if (first === undefined || healthySocket === undefined) throw new Error("the tests above did not run");
    const register = (name: string, projectPath: string): Promise<Record<string, unknown>> => broker.admin({ op: "register", name, project_path: projectPath });

    // Sixteen registers on one dead mount: four readers are left blocked there, the other twelve
    // are refused, and a project on another file system still registers (it did not, while one
    // dead mount could hold all sixteen readers).
    first.fs.hang(first.mode);
    const names = Array.from({ length: MAX_BLOCKED }, (_, i) => `blocked-${i + 1}`);
    const replies = await Promise.all(names.map((name) => register(name, first.fs.mountpoint)));
    const onFirst = `${PER_FILE_SYSTEM} earlier reads of folders on ${first.fs.mountpoint} are still blocked in that file system. Fix the file systems that do not answer (or unmount them), then retry.`;
    expect(replies.filter((r) => String(r.message).includes("the file system holding the project does not answer"))).toHaveLength(PER_FILE_SYSTEM);
    expect(replies.filter((r) => String(r.message).includes(onFirst))).toHaveLength(MAX_BLOCKED - PER_FILE_SYSTEM);
    expect(first.fs.hangingRequests()).toBe(PER_FILE_SYSTEM);
    const again = await register("one-more", first.fs.mountpoint);
    expect(String(again.message)).toContain(onFirst);
    // Refused without a reader: nothing more is left in that file system.
    expect(first.fs.hangingRequests()).toBe(PER_FILE_SYSTEM);
    const elsewhere = writeProject(join(tmp.path, "projects"), "elsewhere", { allowlist: ["GITHUB_TOKEN"] });
    expect(await register("elsewhere", elsewhere), "a project on another file system").toMatchObject({ ok: true });
    expect(await broker.admin({ op: "unregister", name: "elsewhere" })).toMatchObject({ ok: true });

    // Four dead mounts, four blocked readers each: now every read is refused, on any file system.
    for (const { mode, fs } of dead.slice(1)) {
      fs.hang(mode);
      const rs = await Promise.all(Array.from({ length: PER_FILE_SYSTEM }, (_, i) => register(`blocked-${mode}-${i + 1}`, fs.mountpoint)));
      for (const r of rs) expect(String(r.message), mode).toContain("the file system holding the project does not answer");
    }
    const refused = await register("one-too-many", elsewhere);
    expect(refused).toMatchObject({ ok: false, code: "manifest_invalid" });
    expect(String(refused.message)).toContain(`${MAX_BLOCKED} earlier manifest reads are still blocked on their file systems. Fix the file systems that do not answer (or unmount them), then retry.`);
    // A project already serving is not affected.
    const [got] = await requestLines(healthySocket, [JSON.stringify({ op: "get", name: "GITHUB_TOKEN" })], 10_000);
    expect(got).toMatchObject({ ok: true, value: secret });

    // The file systems answer: the blocked readers end, and reads are taken again.
    for (const { fs } of dead) fs.hang(false);
    await waitFor("the blocked requests answered", () => dead.every(({ fs }) => fs.hangingRequests() === 0), 10_000, () => dead.map(({ mode, fs }) => `${mode}: ${fs.hangingRequests()}`).join(", "));
    let reply: Record<string, unknown> = {};
    const deadline = Date.now() + 10_000;
    do {
      reply = await register("elsewhere", elsewhere);
      if (reply.ok !== true) await new Promise((r) => setTimeout(r, 50));
    } while (reply.ok !== true && Date.now() < deadline);
    expect(reply, `register once the blocked readers are gone: ${String(reply.message)}`).toMatchObject({ ok: true });
  });
});
