#!/usr/bin/env node
// The full-size soak for the README: 1,000,000 gets over 100 concurrent connections to a
// real broker (dist/remo-broker.js, built first) with a push every 100 ms. Prints figures
// and exits 1 on any error, torn read, regression or RSS growth over 10% after warm-up.
//   node scripts/soak.mjs [--gets N] [--warmup-gets N] [--connections N] [--push-interval-ms N]
// The CI-size run of the same driver is test/reliability/soak.test.ts.
//
// `--shape projects` runs the many-projects shape instead: 50 projects × 10 gets a second, a
// new connection per get, for 10 minutes, with default rate limits; exits 1 on any error or
// wrong value, a get slower than 1 s, or RSS growth over 10% after the first minute.
// Both shapes run the broker with the unit's Node flags (its NODE_OPTIONS and ExecStart flags).
//   node scripts/soak.mjs --shape projects [--projects N] [--hz N] [--minutes M]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startBrokerProcess, unitNodeArgs } from "./reliability-broker.mjs";
import { runProjectsSoak } from "./reliability-projects-soak.mjs";
import { runSoak } from "./reliability-soak.mjs";

const { values } = parseArgs({ options: {
  "gets": { type: "string", default: "1000000" }, "connections": { type: "string", default: "100" }, "push-interval-ms": { type: "string", default: "100" }, "warmup-gets": { type: "string", default: "500000" },
  "shape": { type: "string", default: "gets" }, "projects": { type: "string", default: "50" }, "hz": { type: "string", default: "10" }, "minutes": { type: "string", default: "10" },
} });
const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "remo-soak-"));
if (values.shape === "projects") {
  process.exitCode = await projectsShape();
  rmSync(dir, { recursive: true, force: true });
  process.exit();
}
const names = ["GITHUB_TOKEN", "NPM_TOKEN", "API_KEY", "DB_PASSWORD", "SLACK_WEBHOOK", "AWS_SECRET"];
// The soak measures correctness under load, not the rate limiter, which would (rightly) refuse 1M gets from one UID.
// The broker runs as the unit runs it (its Node flags), as in the reliability suite's 100k-get soak.
const broker = await startBrokerProcess({ dist: join(root, "dist"), dir, nodeArgs: unitNodeArgs(root), extraArgs: ["--rate-limit", "1000000000", "--rate-burst", "1000000000", "--max-connections-per-peer", "512"] });
let failed = true;
try {
  const { socketPath } = await broker.register("soak", names);
  const r = await runSoak({
    socketPath, brokerPid: broker.pid, push: (s) => broker.push(s, "soak"), names,
    totalGets: Number(values.gets), warmupGets: Number(values["warmup-gets"]), connections: Number(values.connections), pushIntervalMs: Number(values["push-interval-ms"]),
    log: (l) => { process.stderr.write(`soak: ${l}\n`); },
  });
  const growth = (r.rssEndKiB - r.rssWarmKiB) / r.rssWarmKiB;
  const figures = {
    gets: r.gets, warmup_gets: r.warmupGets, connections: Number(values.connections), pushes: r.pushes, push_errors: r.pushErrors,
    errors: r.errors, torn_reads: r.torn, regressions: r.regressions, bundles_seen: r.generationsSeen,
    seconds: +(r.durationMs / 1000).toFixed(1), gets_per_second: Math.round(r.getsPerSecond),
    get_p50_ms: +r.latencyP50Ms.toFixed(3), get_p99_ms: +r.latencyP99Ms.toFixed(3),
    rss_after_warmup_mib: +(r.rssWarmKiB / 1024).toFixed(1), rss_end_mib: +(r.rssEndKiB / 1024).toFixed(1),
    rss_peak_mib: +(r.rssPeakKiB / 1024).toFixed(1), rss_growth_pct: +(growth * 100).toFixed(1),
    audit_file_mib: +(statSync(broker.auditFile).size / 1048576).toFixed(1),
  };
  console.log(JSON.stringify(figures, null, 2));
  if (Object.keys(r.errorCodes).length) console.log("error codes:", r.errorCodes);
  if (r.tornExamples.length) console.log("torn examples:", r.tornExamples);
  if (r.pushErrorExamples.length) console.log("push errors:", r.pushErrorExamples);
  console.log("RSS timeline (gets → MiB):", r.rssTimeline.map((t) => `${t.gets}→${(t.rssKiB / 1024).toFixed(1)}`).join(" "));
  failed = r.errors > 0 || r.torn > 0 || r.regressions > 0 || r.pushErrors > 0 || growth > 0.10 || r.gets !== Number(values.gets);
  console.log(failed ? "SOAK FAILED" : "soak passed: zero errors, zero torn reads, RSS within 10% of after warm-up");
} finally {
  const code = await broker.stop();
  if (code !== 0) { console.log(`broker exited ${code}:\n${broker.output().slice(-2000)}`); failed = true; }
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;

/** The many-projects shape (see the header); returns the exit code. */
async function projectsShape() {
  // Node's flags exactly as the unit passes them (old space capped at 64 MiB, small semi-spaces, no TurboFan).
  const nodeArgs = unitNodeArgs(root);
  const heapCapMiB = Number(/^--max-old-space-size=(\d+)$/.exec(nodeArgs.find((a) => a.startsWith("--max-old-space-size=")) ?? "")?.[1] ?? NaN);
  const broker = await startBrokerProcess({ dist: join(root, "dist"), dir, nodeArgs });
  let failed = true;
  try {
    const sockets = [];
    for (let i = 0; i < Number(values.projects); i++) {
      const name = `soak-${i}`;
      const { socketPath } = await broker.register(name, ["GITHUB_TOKEN"]);
      const value = `value-${i}-${Date.now()}`;
      await broker.push({ GITHUB_TOKEN: value }, name);
      sockets.push({ socketPath, name: "GITHUB_TOKEN", value });
    }
    const durationMs = Number(values.minutes) * 60_000;
    const r = await runProjectsSoak({ brokerPid: broker.pid, sockets, hz: Number(values.hz), durationMs, warmupMs: Math.min(60_000, durationMs / 5), log: (l) => { process.stderr.write(`soak: ${l}\n`); } });
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const growth = (r.rssEndKiB - r.rssWarmKiB) / r.rssWarmKiB;
    console.log(JSON.stringify({
      shape: `${values.projects} projects × ${values.hz} Hz, new connection per get`, seconds: +(r.durationMs / 1000).toFixed(1), gets: r.gets, errors: r.errors, error_codes: r.errorCodes, wrong_values: r.wrongValues,
      get_p50_ms: +(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2), get_p99_ms: +(sorted[Math.floor(sorted.length * 0.99)] ?? 0).toFixed(2), slowest_ms: +r.slowest_ms.toFixed(1),
      heap_cap_mib: heapCapMiB, node_args: nodeArgs.join(" "), rss_start_mib: +(r.rssStartKiB / 1024).toFixed(1), rss_after_warmup_mib: +(r.rssWarmKiB / 1024).toFixed(1), rss_end_mib: +(r.rssEndKiB / 1024).toFixed(1), rss_peak_mib: +(r.rssPeakKiB / 1024).toFixed(1), rss_growth_pct: +(growth * 100).toFixed(1),
      audit_file_mib: +(statSync(broker.auditFile).size / 1048576).toFixed(1),
    }, null, 2));
    console.log("RSS timeline (s → MiB):", r.rssTimeline.map((t) => `${t.s}→${(t.rssKiB / 1024).toFixed(1)}`).join(" "));
    failed = r.errors > 0 || r.wrongValues > 0 || r.slowest_ms >= 1000 || growth > 0.10;
    console.log(failed ? "SOAK FAILED" : "soak passed: zero errors, every get within 1 s, RSS within 10% of after warm-up");
  } finally {
    const code = await broker.stop();
    if (code !== 0) { console.log(`broker exited ${code}:\n${broker.output().slice(-2000)}`); failed = true; }
  }
  return failed ? 1 : 0;
}
