// Push Secrets over a 50 ms round-trip link (issue 6): the node (sshd + the real broker
// CLI) in namespace B, the laptop in namespace A, joined by bench/netlab's delay line
// (this kernel has no netem). Ours is the extension's own pushSecrets (ssh2, a new SSH
// connection per push, host key + recipient pins checked) running in a node process in A;
// the reference is the hand pipeline `age -r R < bundle | ssh node remo-broker admin
// push-creds` spawned from the same process, interleaved, same run. Rows:
//   - push only, 10 KiB (goal: < 2 s and no slower than the hand pipeline);
//   - the whole command, push + register/reload, vs the hand pipeline + `ssh node remo-broker admin reload`;
//   - the link's measured round trip vs the configured 50 ms (a lab check).
// Namespaces, sshd, broker and driver are torn down in finally blocks, and netlab also
// tears down on exit/SIGINT/SIGTERM and sweeps namespaces left by a killed run.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { startBrokerProcess, bundleToml } from "../scripts/reliability-broker.mjs";
import { createLink, netnsUnavailableReason } from "./netlab/netlab.mjs";
import { startSshd } from "./netlab/sshd.mjs";
import { median, timeProcess } from "./lib.mjs";
import { writeBrokerWrapper } from "../scripts/broker-wrapper.mjs";

const RUNS = Number(process.env.REMO_BENCH_LINK_RUNS ?? 7);
const area = "push (50 ms link)";

/** The driver that runs inside namespace A: ours in-process, the hand pipeline as child processes. */
const DRIVER = `
import { pushSecrets } from "./extension/src/push/push-secrets.ts";
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const values = cfg.values;
const lookup = (n) => Promise.resolve(values[n]);
const deps = { readFile: (p) => readFile(p), env: { HOME: cfg.home, USER: "root" }, connectTimeoutMs: 30000 };
const allowlist = Object.keys(values);
const sh = (script) => new Promise((resolve, reject) => {
  const t0 = process.hrtime.bigint();
  const c = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  c.stdout.on("data", (d) => { out += d; });
  c.stderr.on("data", (d) => { err += d; });
  c.on("close", (code) => code === 0 ? resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, out }) : reject(new Error("hand pipeline exited " + code + ": " + err.slice(-300))));
});
const ours = async (register) => {
  const t0 = process.hrtime.bigint();
  const r = await pushSecrets({ target: cfg.target, pins: cfg.pins, project: { name: cfg.project, allowlist }, lookup, register, registeredPath: cfg.target.projectPath }, deps);
  if (r.secretCount !== allowlist.length || (register && !r.registered)) throw new Error("push result: " + JSON.stringify(r));
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
async function main() {
const res = { push: [], handPush: [], full: [], handFull: [] };
// Warm-up: the first sshd fork and file caches do not count.
await ours(true); await sh(cfg.hand); await sh(cfg.handReload);
for (let i = 0; i < cfg.runs; i++) {
  res.push.push(await ours(false));
  const h = await sh(cfg.hand);
  if (!h.out.includes('"secret_count": ' + allowlist.length) && !h.out.includes('"secret_count":' + allowlist.length)) throw new Error("hand pipeline answered: " + h.out.slice(0, 300));
  res.handPush.push(h.ms);
  res.full.push(await ours(true));
  const t0 = process.hrtime.bigint();
  await sh(cfg.hand); await sh(cfg.handReload);
  res.handFull.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
process.stdout.write(JSON.stringify(res));
}
main().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/** Bench contract (bench/run.mjs): returns table rows. */
export async function run(ctx) {
  const what = "push 10 KiB end to end, new SSH connection";
  const why = netnsUnavailableReason();
  if (why) return [{ area, what, skipped: why }];
  for (const tool of ["age", "ssh", "/usr/sbin/sshd"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return [{ area, what, skipped: `${tool} is not installed (scripts/ensure-system-deps.sh installs it)` }];
  }

  // The driver: the extension's modules bundled for a plain node process in namespace A.
  const driver = join(ctx.tmp, "push-link-driver.cjs");
  await esbuild.build({
    stdin: { contents: DRIVER, resolveDir: ctx.root, loader: "ts" },
    bundle: true, platform: "node", format: "cjs", target: "node20", outfile: driver, logLevel: "error",
    external: ["cpu-features", "*.node"], mainFields: ["module", "main"],
  });

  const broker = await startBrokerProcess({ dist: ctx.dist, dir: join(ctx.tmp, "node") });
  // Interrupted (Ctrl-C, SIGTERM): kill the broker and remove the temp dir (throwaway keys)
  // synchronously. Registered before the link, so netlab's handler runs after this one and
  // re-raises the signal; with no link yet, this one re-raises it.
  const onSignal = (sig) => {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    try { process.kill(broker.pid, "SIGKILL"); } catch { /* already gone */ }
    rmSync(ctx.tmp, { recursive: true, force: true });
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let link;
  let sshd;
  try {
    const project = "linkbench";
    // 40 secrets of ~240 characters: a 10 KiB bundle (fake values; nothing here is secret).
    const values = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`SECRET_${String(i).padStart(2, "0")}`, `v${i}_`.padEnd(240, "x")]));
    const plaintext = bundleToml(values);
    const { projectPath } = await broker.register(project, Object.keys(values));
    const wrapper = writeBrokerWrapper(ctx.tmp, broker, join(ctx.dist, "remo-broker.js"));
    const bundleFile = join(ctx.tmp, "bundle.toml");
    writeFileSync(bundleFile, plaintext);

    link = await createLink({ delayMs: 25 });
    const sshdDir = join(ctx.tmp, "sshd");
    mkdirSync(sshdDir, { recursive: true });
    sshd = await startSshd({ dir: sshdDir, listen: link.addrB, netns: link.nsB });
    const rtt = await link.measureRttMs();

    const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
    const ssh = (cmd) => `ssh ${sshd.sshArgs(cmd).map(q).join(" ")}`;
    const cfgFile = join(ctx.tmp, "push-link.json");
    writeFileSync(cfgFile, JSON.stringify({
      runs: RUNS, project, values, home: ctx.tmp,
      target: { name: "bench-50ms", host: link.addrB, port: sshd.port, user: "root", identityFile: sshd.clientKeyFile, projectPath, brokerCommand: wrapper },
      pins: { hostKeySha256: sshd.hostKeySha256, recipient: broker.recipient },
      hand: `age -r ${q(broker.recipient)} < ${q(bundleFile)} | ${ssh([wrapper, "admin", "push-creds", "--project", project])}`,
      handReload: ssh([wrapper, "admin", "reload", "--name", project]),
    }));
    ctx.log(`link RTT ${rtt.toFixed(1)} ms; bundle ${plaintext.length} bytes; ${RUNS} runs of each, interleaved`);
    const res = JSON.parse((await timeProcess("ip", ["netns", "exec", link.nsA, process.execPath, driver, cfgFile], { cwd: ctx.root })).out);
    ctx.log(`ours push ${res.push.map((x) => x.toFixed(0)).join(" ")} | hand ${res.handPush.map((x) => x.toFixed(0)).join(" ")}`);
    ctx.log(`ours push+register ${res.full.map((x) => x.toFixed(0)).join(" ")} | hand push+reload ${res.handFull.map((x) => x.toFixed(0)).join(" ")}`);
    const [push, handPush, full, handFull] = [median(res.push), median(res.handPush), median(res.full), median(res.handFull)];
    return [
      { area, what: `${what} (RTT ${rtt.toFixed(0)} ms)`, ours: push, reference: handPush, referenceLabel: "age -r R, piped to ssh node remo-broker admin push-creds", unit: "ms", goal: "< 2000 ms and ≤ 1.0x", met: push < 2000 && push <= handPush },
      { area, what: "Push Secrets command: push + register/reload", ours: full, reference: handFull, referenceLabel: "same pipeline, then ssh node remo-broker admin reload", unit: "ms", goal: "< 2000 ms and ≤ 1.0x", met: full < 2000 && full <= handFull },
      { area, what: "netlab link round trip (TCP echo)", ours: rtt, reference: 50, referenceLabel: "configured 2 x 25 ms", unit: "ms", goal: "0.95-1.3x", met: rtt / 50 >= 0.95 && rtt / 50 <= 1.3 },
    ];
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await sshd?.stop().catch(() => undefined);
    await link?.close();
    await broker.stop();
  }
}
