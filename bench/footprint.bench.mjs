// Broker footprint (contract: bench/run.mjs): start-to-ready time and idle RSS of
// `remo-broker serve`, each beside a bare Node Unix-socket server started the same way in the
// same run (the unit's Node flags, read from the unit: V8 old space capped at 64 MiB, 2 MiB
// semi-spaces, no TurboFan). Rounds alternate the two
// and the medians are reported. Idle RSS is read 1.5 s after ready, when start-up garbage has
// settled; the broker has no projects and no bundle (what a fresh node runs).
import { execFileSync, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unitNodeArgs } from "../scripts/reliability-broker.mjs";
import { rssKiB } from "../scripts/reliability-soak.mjs";
import { median } from "./lib.mjs";

const rounds = 5;
const settleMs = 1500;
const nodeArgs = unitNodeArgs(fileURLToPath(new URL("..", import.meta.url)));

// Run from a file, as the broker is: `node -e` preloads modules a script does not (node:crypto among them).
const bareServer = `
const net = require("node:net");
net.createServer((s) => { s.on("data", (d) => s.write(d)); s.on("error", () => {}); })
  .listen(process.argv[2], () => process.stdout.write("ready\\n"));`;

const rssMiB = (pid) => rssKiB(pid) / 1024;

/** Starts `args`, waits for `marker` on stdout/stderr, then for the settle time; resolves { readyMs, rssMiB }. */
function measure(args, marker) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let readyMs;
    const onData = (d) => {
      out += d;
      if (readyMs === undefined && out.includes(marker)) {
        readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
        setTimeout(() => {
          const rss = rssMiB(c.pid);
          c.kill("SIGTERM");
          c.once("exit", () => { resolve({ readyMs, rssMiB: rss }); });
        }, settleMs);
      }
    };
    c.stdout.on("data", onData);
    c.stderr.on("data", onData);
    c.on("exit", (code) => { if (readyMs === undefined) reject(new Error(`exited ${code} before ready: ${out.slice(-500)}`)); });
  });
}

export async function run(ctx) {
  const bin = join(ctx.dist, "remo-broker.js");
  const key = join(ctx.tmp, "identity.key");
  execFileSync(process.execPath, [bin, "keygen", "--out", key]);
  const bareFile = join(ctx.tmp, "bare-server.js");
  writeFileSync(bareFile, bareServer);
  const ours = [];
  const bare = [];
  for (let i = 0; i < rounds; i++) {
    const sock = join(ctx.tmp, `bare-${i}.sock`);
    bare.push(await measure([bareFile, sock], "ready"));
    const dir = join(ctx.tmp, `broker-${i}`);
    ours.push(await measure([bin, "serve", "--unsafe-paths", "--runtime-dir", join(dir, "run"), "--state-dir", join(dir, "state"), "--audit-file", join(dir, "audit.jsonl"), "--identity", key], "serving:"));
    rmSync(dir, { recursive: true, force: true });
    ctx.log(`round ${i + 1}: broker ${ours[i].rssMiB.toFixed(1)} MiB / ${ours[i].readyMs.toFixed(0)} ms, bare ${bare[i].rssMiB.toFixed(1)} MiB / ${bare[i].readyMs.toFixed(0)} ms`);
  }
  const rss = median(ours.map((r) => r.rssMiB));
  const rssRef = median(bare.map((r) => r.rssMiB));
  return [
    { area: "footprint", what: "broker start to ready (median)", ours: median(ours.map((r) => r.readyMs)), reference: median(bare.map((r) => r.readyMs)), referenceLabel: "bare Node socket server", unit: "ms", goal: "(context)" },
    { area: "footprint", what: "broker idle RSS, 64 MiB heap cap (median)", ours: rss, reference: rssRef, referenceLabel: "bare Node socket server", unit: "MiB", goal: "≤ 1.15x bare", met: rss / rssRef <= 1.15 },
  ];
}
