// Broker benchmarks (contract: bench/run.mjs). Each figure sits beside a reference measured
// in the same run on the same machine:
//  - get on one held connection (p50, p99) vs a bare Node Unix-socket NDJSON echo server,
//    both in their own process, driven by the same client code; rounds alternate and the
//    median of the per-round percentiles is reported (the machine is shared and noisy).
//  - connect + get + close vs the same against the echo server.
//  - push-creds of a 10 KiB bundle end to end on the admin socket (connect, send, decrypt,
//    temp file + fsync + rename + dir fsync, swap, reply) vs the bare durable write alone.
// The broker and the echo server run with the systemd unit's NODE_OPTIONS (heap caps and
// --no-opt, which trades V8's optimizing compiler for memory); a second broker with V8's
// default flags, measured in the same rounds, shows what that trade costs.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, openSync, closeSync, writeSync, fsyncSync, renameSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { Encrypter } from "age-encryption";
import { median } from "./lib.mjs";
import { unitNodeArgs } from "../scripts/reliability-broker.mjs";

const echoServer = `
const net = require("node:net");
const fs = require("node:fs");
try { fs.unlinkSync(process.argv[1]); } catch {}
net.createServer((s) => {
  let buf = "";
  s.on("data", (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf("\\n")) !== -1) { s.write(buf.slice(0, nl + 1)); buf = buf.slice(nl + 1); }
  });
  s.on("error", () => {});
}).listen(process.argv[1], () => process.stdout.write("ready\\n"));`;

/** A held connection that sends one line and resolves the reply line. */
function openClient(path) {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = "";
    let pending;
    s.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const p = pending;
        pending = undefined;
        p(line);
      }
    });
    s.on("error", reject);
    s.on("connect", () => resolve({
      ask: (line) => new Promise((r) => { pending = r; s.write(line); }),
      close: () => s.destroy(),
    }));
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Times `n` sequential request/replies on a held connection; returns sorted µs. */
async function heldLatencies(path, line, n, check) {
  const c = await openClient(path);
  const out = new Float64Array(n);
  for (let i = 0; i < 2000; i++) check(await c.ask(line));
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const reply = await c.ask(line);
    out[i] = Number(process.hrtime.bigint() - t) / 1000;
    if (i % 1000 === 0) check(reply);
  }
  c.close();
  return [...out].sort((a, b) => a - b);
}

/** Times `n` connect + one request + close; returns the median µs. */
async function connectLatency(path, line, n, check) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const c = await openClient(path);
    check(await c.ask(line));
    c.close();
    xs.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return median(xs);
}

function waitForLine(child, text) {
  return new Promise((resolve, reject) => {
    let seen = "";
    const on = (d) => { seen += d; if (seen.includes(text)) resolve(); };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
    child.on("exit", (code) => reject(new Error(`exited ${code} before "${text}": ${seen}`)));
  });
}

/** The floor under a push: temp file + write + fsync + rename + dir fsync of the same size. */
function durableWrite(dir, data) {
  const tmp = join(dir, `.ref.${randomBytes(4).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", 0o600);
  writeSync(fd, data);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, join(dir, "ref.age"));
  const d = openSync(dir, "r");
  fsyncSync(d);
  closeSync(d);
}

export async function run(ctx) {
  const bin = join(ctx.dist, "remo-broker.js");
  const key = join(ctx.tmp, "key");
  const kg = spawnSync(process.execPath, [bin, "keygen", "--out", key], { encoding: "utf8", env: { ...process.env, SUDO_UID: undefined } });
  if (kg.status !== 0) return [{ area: "broker", what: "(setup)", skipped: `keygen failed: ${kg.stderr}` }];
  const recipient = kg.stdout.trim();
  const unitFlags = unitNodeArgs(ctx.root);
  const children = [];
  const enc = new Encrypter();
  enc.addRecipient(recipient);
  const small = Buffer.from(await enc.encrypt("GITHUB_TOKEN = \"ghp_0123456789abcdef0123456789abcdef0123\"\n")).toString("base64");
  const project = join(ctx.tmp, "projects", "bench");
  mkdirSync(join(project, ".devcontainer"), { recursive: true });
  writeFileSync(join(project, ".devcontainer", "remo-broker.toml"), "schema_version = 1\n[project]\nname = \"bench\"\n[allowlist]\nsecrets = [\"GITHUB_TOKEN\"]\n");

  /** A broker under `flags` in its own folder, serving the project with one pushed secret: its admin socket and the project's socket. */
  const startOne = async (flags, name) => {
    const runtimeDir = join(ctx.tmp, name, "run");
    const broker = spawn(process.execPath, [...flags, bin, "serve", "--unsafe-paths", "--runtime-dir", runtimeDir, "--state-dir", join(ctx.tmp, name, "state"), "--audit-file", join(ctx.tmp, name, "audit.jsonl"), "--identity", key, "--rate-limit", "1e9", "--rate-burst", "1000000000"], { env: { ...process.env, SUDO_UID: undefined }, stdio: ["ignore", "pipe", "pipe"] });
    children.push(broker);
    await waitForLine(broker, "serving:");
    const adminPath = join(runtimeDir, "admin.sock");
    const admin = await openClient(adminPath);
    const reg = JSON.parse(await admin.ask(JSON.stringify({ op: "register", name: "bench", project_path: project }) + "\n"));
    if (!reg.ok) throw new Error(`register failed: ${reg.message}`);
    const pushed = JSON.parse(await admin.ask(JSON.stringify({ op: "push-creds", ciphertext_b64: small }) + "\n"));
    if (!pushed.ok) throw new Error(`push failed: ${pushed.message}`);
    admin.close();
    return { adminPath, socketPath: reg.socket_path };
  };
  try {
    const unit = await startOne(unitFlags, "unit");
    const plain = await startOne([], "v8-defaults");
    const echoPath = join(ctx.tmp, "echo.sock");
    const echo = spawn(process.execPath, [...unitFlags, "-e", echoServer, echoPath], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(echo);
    await waitForLine(echo, "ready");

    // Pushes first: 100k audited gets leave megabytes of dirty audit data that the next fsync
    // would have to flush, which measures the page cache rather than the push.
    ctx.log("push-creds 10 KiB");
    // ~10 KiB of plaintext: 40 names of 240-character values, fresh values per push.
    const bundles = [];
    for (let i = 0; i < 60; i++) {
      const text = Array.from({ length: 40 }, (_, j) => `S${j} = "${randomBytes(120).toString("hex")}"`).join("\n") + "\n";
      bundles.push(JSON.stringify({ op: "push-creds", ciphertext_b64: Buffer.from(await enc.encrypt(text)).toString("base64") }) + "\n");
    }
    const plainBytes = 40 * (4 + 3 + 242);
    const pushTimes = { unit: [], plain: [] };
    for (const [i, line] of bundles.entries()) {
      for (const [which, adminPath] of [["unit", unit.adminPath], ["plain", plain.adminPath]]) {
        const t = process.hrtime.bigint();
        const c = await openClient(adminPath);
        const reply = await c.ask(line);
        c.close();
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        if (!reply.includes("\"ok\":true")) throw new Error(`push failed: ${reply}`);
        if (i >= 10) pushTimes[which].push(ms); // the first pushes warm V8 and the page cache
      }
    }
    const refDir = join(ctx.tmp, "refwrite");
    mkdirSync(refDir);
    const data = Buffer.from(JSON.parse(bundles[0]).ciphertext_b64, "base64");
    const writeTimes = [];
    for (let i = 0; i < 50; i++) {
      const t = process.hrtime.bigint();
      durableWrite(refDir, data);
      writeTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    for (const adminPath of [unit.adminPath, plain.adminPath]) {
      const again = await openClient(adminPath);
      if (!(await again.ask(JSON.stringify({ op: "push-creds", ciphertext_b64: small }) + "\n")).includes("\"ok\":true")) throw new Error("re-push failed");
      again.close();
    }
    const getLine = JSON.stringify({ op: "get", name: "GITHUB_TOKEN" }) + "\n";
    const checkGet = (l) => { if (!l.includes("\"ok\":true")) throw new Error(`get failed: ${l}`); };
    const checkEcho = (l) => { if (l + "\n" !== getLine) throw new Error(`echo mismatch: ${l}`); };
    const rounds = 5;
    const n = Number(process.env.REMO_BENCH_N ?? 20_000);
    const ours = { p50: [], p99: [] };
    const ref = { p50: [], p99: [] };
    const v8 = { p50: [], p99: [] };
    for (let r = 0; r < rounds; r++) {
      ctx.log(`held-connection round ${r + 1}/${rounds}`);
      const e = await heldLatencies(echoPath, getLine, n, checkEcho);
      const b = await heldLatencies(unit.socketPath, getLine, n, checkGet);
      const d = await heldLatencies(plain.socketPath, getLine, n, checkGet);
      ref.p50.push(pct(e, 50)); ref.p99.push(pct(e, 99));
      ours.p50.push(pct(b, 50)); ours.p99.push(pct(b, 99));
      v8.p50.push(pct(d, 50)); v8.p99.push(pct(d, 99));
      ctx.log(`  echo p50 ${pct(e, 50).toFixed(1)} p99 ${pct(e, 99).toFixed(1)} · broker p50 ${pct(b, 50).toFixed(1)} p99 ${pct(b, 99).toFixed(1)} · V8 defaults p50 ${pct(d, 50).toFixed(1)} p99 ${pct(d, 99).toFixed(1)} µs`);
    }
    ctx.log("connect + get + close");
    const connEcho = await connectLatency(echoPath, getLine, 500, checkEcho);
    const connOurs = await connectLatency(unit.socketPath, getLine, 500, checkGet);

    const p99Ratio = median(ours.p99) / median(ref.p99);
    const pushMedian = median(pushTimes.unit);
    return [
      { area: "broker", what: "get p50, held connection", ours: median(ours.p50), reference: median(ref.p50), referenceLabel: "Node NDJSON echo", unit: "µs", goal: "(context)" },
      { area: "broker", what: "get p99, held connection", ours: median(ours.p99), reference: median(ref.p99), referenceLabel: "Node NDJSON echo", unit: "µs", goal: "≤ 1.3x echo", met: p99Ratio <= 1.3 },
      { area: "broker", what: "get p50, held connection, the unit's flags", ours: median(ours.p50), reference: median(v8.p50), referenceLabel: "same broker, V8's default flags", unit: "µs", goal: "(context)" },
      { area: "broker", what: "get p99, held connection, the unit's flags", ours: median(ours.p99), reference: median(v8.p99), referenceLabel: "same broker, V8's default flags", unit: "µs", goal: "(context)" },
      { area: "broker", what: "connect + get + close (median)", ours: connOurs, reference: connEcho, referenceLabel: "Node NDJSON echo", unit: "µs", goal: "(context)" },
      { area: "broker", what: `push-creds ${(plainBytes / 1024).toFixed(0)} KiB, admin socket (median)`, ours: pushMedian, reference: median(writeTimes), referenceLabel: "tmp+fsync+rename alone", unit: "ms", goal: "< 10 ms", met: pushMedian < 10 },
      { area: "broker", what: "same, the unit's flags", ours: pushMedian, reference: median(pushTimes.plain), referenceLabel: "same broker, V8's default flags", unit: "ms", goal: "(context)" },
    ];
  } finally {
    for (const c of children) c.kill("SIGTERM");
  }
}
