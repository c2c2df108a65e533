// Hostile containers against the built broker, started as the systemd unit starts it (V8 old
// space capped at 64 MiB). Each attack runs as a real client process under an unprivileged
// UID (as a container's user would be), while this process keeps asking another project for a
// secret. After each: the broker is the same live process, the other project answered every
// time within 1 s, the broker's RSS stayed under its bound, and no value leaked.
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { unitNodeArgs } from "../../scripts/reliability-broker.mjs";
import { rssKiB } from "../../scripts/reliability-soak.mjs";
import { readAudit, requestLines, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { readableCopy } from "../helpers/readable-copy.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

/** Node's flags exactly as the unit sets them (old space capped at 64 MiB, small semi-spaces, no TurboFan), read from the unit. */
const UNIT_NODE_ARGS = unitNodeArgs(fileURLToPath(new URL("../..", import.meta.url)));
/**
 * The broker's RSS bound under attack: idle it is ~45 MiB (code, V8, the heap in use), ~55 MiB
 * under the many-projects soak. Before the connection limits, each of these attacks ran it into
 * a heap OOM or grew RSS by ~6.7 MiB per slowloris connection.
 */
const RSS_BOUND_MIB = 128;
/** The contract for everyone else while one container misbehaves. */
const ANSWER_WITHIN_MS = 1000;
const PARTIAL_LINE_MS = 1500;
const IDLE_MS = 4000;
/** The container's user: owns the project socket (socket_owner), as a checkout's owner would. */
const CONTAINER_UID = 65534;
const CONTAINER_GID = 65534;

/** Runs hostile-peer-client.mjs as `uid` (group `CONTAINER_GID`, so it may connect); resolves its report. */
function attack(script: string, cwd: string, cfg: Record<string, unknown>, uid = CONTAINER_UID): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(cfg)], { uid, gid: CONTAINER_GID, cwd, env: { PATH: process.env.PATH }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`attacker exited ${String(code)}: ${err}`));
      else resolve(JSON.parse(out) as Record<string, unknown>);
    });
  });
}

/** Asks `socketPath` for a secret every 100 ms on a fresh connection, recording how long each answer took. */
class LivenessProbe {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  latencies: number[] = [];
  failures: string[] = [];

  constructor(private readonly socketPath: string, private readonly expected: string) {}

  start(): void {
    this.running = true;
    this.latencies = [];
    this.failures = [];
    this.loop = (async () => {
      while (this.running) {
        const t0 = performance.now();
        try {
          const [r] = await requestLines(this.socketPath, [JSON.stringify({ op: "get", name: "GITHUB_TOKEN" })], 5000);
          if (r?.ok !== true || r.value !== this.expected) this.failures.push(`reply ${String(r?.code)}`);
        } catch (e) {
          this.failures.push((e as Error).message);
        }
        this.latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  }

  async stop(): Promise<{ count: number; maxMs: number; failures: string[] }> {
    this.running = false;
    await this.loop;
    return { count: this.latencies.length, maxMs: Math.max(0, ...this.latencies), failures: this.failures };
  }
}

describe("hostile peers against the broker as the unit runs it", () => {
  const tmp = makeTempDir("remo-hostile-peers-");
  const secret = makeSentinel("PEERS");
  const bystanderSecret = makeSentinel("BYSTANDER");
  const names = Array.from({ length: 200 }, (_, i) => `NAME_${i}`);
  let broker: BrokerHandle;
  let victim: string;
  let strict: string;
  let probe: LivenessProbe;
  let script: string;
  let cwd: string;
  let pid = 0;
  let rssStart = 0;
  let rssPeak = 0;
  let sampler: NodeJS.Timeout | undefined;
  const reports: string[] = [];

  beforeAll(async () => {
    // The checkout may sit under a 0700 directory: stage the attacker where its UID can read it.
    script = readableCopy(fileURLToPath(new URL("./hostile-peer-client.mjs", import.meta.url)));
    cwd = dirname(script);
    broker = await startBroker({
      dir: tmp.path,
      nodeArgs: UNIT_NODE_ARGS,
      extraArgs: ["--test-partial-line-ms", String(PARTIAL_LINE_MS), "--test-idle-ms", String(IDLE_MS)],
    });
    const owner = `${CONTAINER_UID}:${CONTAINER_GID}`;
    ({ socketPath: victim } = await broker.registerProject("victim", { allowlist: ["GITHUB_TOKEN", ...names], socketOwner: owner }));
    ({ socketPath: strict } = await broker.registerProject("strict", { allowlist: ["GITHUB_TOKEN"], socketOwner: owner, peerUids: [CONTAINER_UID] }));
    const { socketPath: bystander } = await broker.registerProject("bystander", { allowlist: ["GITHUB_TOKEN"] });
    expect(await broker.pushSecrets({ GITHUB_TOKEN: secret, ...Object.fromEntries(names.map((n) => [n, `${secret}_${n}`])) }, "victim")).toMatchObject({ ok: true });
    expect(await broker.pushSecrets({ GITHUB_TOKEN: secret }, "strict")).toMatchObject({ ok: true });
    expect(await broker.pushSecrets({ GITHUB_TOKEN: bystanderSecret }, "bystander")).toMatchObject({ ok: true });
    probe = new LivenessProbe(bystander, bystanderSecret);
    pid = broker.pid;
    rssStart = rssKiB(pid);
    sampler = setInterval(() => { try { rssPeak = Math.max(rssPeak, rssKiB(pid)); } catch { /* exited: the next assertion says so */ } }, 50);
  });

  afterAll(async () => {
    clearInterval(sampler);
    console.log(`hostile peers (RSS idle ${(rssStart / 1024).toFixed(1)} MiB):\n  ${reports.join("\n  ")}`);
    await broker.stop();
    tmp.cleanup();
  });

  beforeEach(() => {
    rssPeak = rssKiB(pid);
    probe.start();
  });

  afterEach(async (ctx) => {
    const live = await probe.stop();
    // Same process, never restarted, still answering the other project.
    expect(broker.pid).toBe(pid);
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(live.failures).toEqual([]);
    expect(live.count).toBeGreaterThan(0);
    expect(live.maxMs, "slowest answer to another project during the attack").toBeLessThan(ANSWER_WITHIN_MS);
    expect(rssPeak / 1024, "broker RSS peak during the attack").toBeLessThan(RSS_BOUND_MIB);
    reports.push(`${ctx.task.name}: RSS peak ${(rssPeak / 1024).toFixed(1)} MiB; bystander ${live.count} gets, slowest ${live.maxMs.toFixed(0)} ms`);
  });

  it("64 connections per UID on one project socket; the 65th and later are refused at once with rate_limited", async () => {
    const r = await attack(script, cwd, { mode: "hold", socket: victim, connections: 80, lines: [JSON.stringify({ op: "ping" })], maxMs: 10_000, settleMs: 200 });
    expect(r).toMatchObject({ connected: 80, first: { ok: 64, rate_limited: 16 }, closed_by_broker: 16 });
    expect(r.messages).toEqual([`UID ${CONTAINER_UID} already holds 64 connections to project "victim"'s socket; close some (one connection can pipeline many requests) and retry.`]);
  });

  it("150 connections from 3 UIDs each pipeline 64 KiB of pings and never read: the broker stops reading them", async () => {
    const runs = await Promise.all([60001, 60002, 60003].map((uid) => attack(script, cwd, { mode: "pipeline-unread", socket: victim, connections: 50, bytes: 64 * 1024, line: JSON.stringify({ op: "ping" }) + "\n", holdMs: 2000 }, uid)));
    expect(runs).toEqual([0, 1, 2].map(() => ({ connected: 50, fully_written: 50, cut_by_broker: 0 })));
  });

  it("one connection pipelines gets of 200 allowed names (4 MiB) and never reads", async () => {
    const lines = names.map((n) => JSON.stringify({ op: "get", name: n }) + "\n").join("");
    const r = await attack(script, cwd, { mode: "pipeline-unread", socket: victim, connections: 1, bytes: 4 * 1024 * 1024, line: lines, holdMs: 2000 });
    // The broker stopped reading, so the client could not even hand all 4 MiB to the kernel.
    expect(r).toEqual({ connected: 1, fully_written: 0, cut_by_broker: 0 });
  });

  it("slowloris: 32 connections send one byte at a time and never a newline; each is cut when its line is too old", async () => {
    const r = await attack(script, cwd, { mode: "slowloris", socket: victim, connections: 32, intervalMs: 50, maxMs: 20_000 });
    expect(r).toMatchObject({ connected: 32, closed_by_broker: 32, codes: { protocol_error: 32 } });
    expect(r.messages).toEqual([`message not completed within ${Math.round(PARTIAL_LINE_MS / 1000)} s. The connection is closed: reconnect and send one UTF-8 JSON object per line, at most 65536 bytes.`]);
  });

  it("connections that never send anything are closed once idle", async () => {
    const r = await attack(script, cwd, { mode: "idle", socket: victim, connections: 32, maxMs: 20_000 });
    expect(r).toEqual({ connected: 32, closed_by_broker: 32, replies: 0 });
  });

  it("a UID outside peer_uids is refused at accept: one peer_unexpected per pipelined request, then closed", async () => {
    const get = JSON.stringify({ op: "get", name: "GITHUB_TOKEN" });
    const r = await attack(script, cwd, { mode: "hold", socket: strict, connections: 10, lines: [JSON.stringify({ op: "ping" }), get], maxMs: 10_000 }, 60009);
    expect(r).toMatchObject({ connected: 10, all: { peer_unexpected: 20 }, closed_by_broker: 10 });
    // Refused before it asks anything: a peer that sends nothing is told at once.
    const silent = await attack(script, cwd, { mode: "hold", socket: strict, connections: 4, lines: [], expect: 1, maxMs: 3000, settleMs: 1500 }, 60009);
    expect(silent).toMatchObject({ connected: 4, first: { peer_unexpected: 4 }, closed_by_broker: 4 });
    // The allowed UID still gets its value on the same socket.
    const ok = await attack(script, cwd, { mode: "hold", socket: strict, connections: 1, lines: [get], maxMs: 10_000 });
    expect(ok).toMatchObject({ first: { ok: 1 } });
    const records = await readAudit(broker.auditFile, (rs) => rs.some((x) => x.event === "peer.unexpected" && x.peer_uid === 60009));
    expect(records.filter((x) => x.event === "peer.unexpected" && x.peer_uid === 60009).length).toBeGreaterThan(0);
  });

  it("audit flood: denied gets as fast as one connection can send become a few records with a count", async () => {
    const before = statSync(broker.auditFile).size;
    const r = await attack(script, cwd, { mode: "flood", socket: victim, ms: 2000, line: JSON.stringify({ op: "get", name: "NOT_ALLOWED" }) + "\n", settleMs: 10_000 });
    // An admin audit request drains the log, so everything refused so far is on disk.
    expect(await broker.admin({ op: "audit", limit: 1 })).toMatchObject({ ok: true });
    const grew = statSync(broker.auditFile).size - before;
    const replies = r.replies as number;
    expect(replies).toBeGreaterThan(10_000);
    expect(r.codes).toMatchObject({ denied: expect.any(Number) as number });
    // One record per outcome per second, not one per get (5 MB in 0.36 s before).
    expect(grew, `audit bytes for ${replies} refused gets`).toBeLessThan(16 * 1024);
    const records = (await readAudit(broker.auditFile)).filter((x) => x.secret === "NOT_ALLOWED" && x.peer_uid === CONTAINER_UID);
    expect(records.reduce((n, x) => n + (typeof x.count === "number" ? x.count : 1), 0)).toBe(replies);
    reports.push(`audit flood: ${replies} refused gets → ${records.length} records, ${grew} bytes`);
  });

  it("never puts a value in the broker's output or its audit", async () => {
    const sources = { output: broker.output(), audit: (await readAudit(broker.auditFile)).map((x) => JSON.stringify(x)).join("\n"), reports: reports.join("\n") };
    expect(findLeaks(secret, sources)).toEqual([]);
    expect(findLeaks(bystanderSecret, sources)).toEqual([]);
  });
});
