// Broker memory under the many-projects soak shape (contract: bench/run.mjs): 50 registered
// projects, each asked for a secret 10 times a second, every get on a new connection, for
// BENCH_SOAK_SECONDS (default 40; `npm run soak -- --shape projects` runs the same shape for
// 10 minutes). Beside it, in the same run and under the same load and V8 flags (the unit's own
// NODE_OPTIONS), a bare Node server that answers every line on 50 Unix sockets with a fixed
// reply: what any Node daemon of this shape costs. Figures are read at the end of the run.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startBrokerProcess, unitNodeArgs } from "../scripts/reliability-broker.mjs";
import { runProjectsSoak } from "../scripts/reliability-projects-soak.mjs";
import { statusKiB } from "../scripts/reliability-soak.mjs";

const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 40);
const projects = 50;
const hz = 10;

// With "age" as its third argument the server first does what the broker does on a push: load
// age-encryption and decrypt one file, reading the plaintext from the stream as the broker does
// (not through `new Response`, which loads Node's fetch). That is the floor for any Node daemon
// that decrypts age in its own process: the library's code and tables stay resident once loaded.
const bareServer = `
const net = require("node:net");
const [dir, n, mode] = process.argv.slice(1);
let up = 0;
const listen = () => { for (let i = 0; i < Number(n); i++) {
  net.createServer((s) => {
    let buf = "";
    s.setEncoding("utf8");
    s.on("data", (d) => { buf += d; if (buf.includes("\\n")) s.end(JSON.stringify({ ok: true, value: "value-" + i }) + "\\n"); });
    s.on("error", () => {});
  }).listen(dir + "/bare-" + i + ".sock", () => { if (++up === Number(n)) process.stdout.write("ready\\n"); });
} };
if (mode !== "age") listen();
else import("age-encryption").then(async (age) => {
  const id = await age.generateX25519Identity();
  const e = new age.Encrypter();
  e.addRecipient(await age.identityToRecipient(id));
  const d = new age.Decrypter();
  d.addIdentity(id);
  const ct = await e.encrypt("GITHUB_TOKEN = \\"value\\"\\n");
  const r = (await d.decrypt(new ReadableStream({ start(c) { c.enqueue(ct); c.close(); } }))).getReader();
  while (!(await r.read()).done);
  listen();
});`;

/** VmRSS and RssAnon of `pid`, in MiB. */
const memory = (pid) => ({ rss: statusKiB(pid, "VmRSS") / 1024, anon: statusKiB(pid, "RssAnon") / 1024 });

async function startBare(dir, nodeArgs, root, mode = "plain") {
  const c = spawn(process.execPath, [...nodeArgs, "-e", bareServer, dir, String(projects), mode], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise((resolve, reject) => {
    let out = "";
    c.stdout.on("data", (d) => { out += d; if (out.includes("ready")) resolve(); });
    c.once("exit", (code) => { reject(new Error(`bare server exited ${code}`)); });
  });
  return c;
}

export async function run(ctx) {
  const nodeArgs = unitNodeArgs(ctx.root);
  const durationMs = seconds * 1000;
  const shape = { hz, durationMs, warmupMs: Math.min(10_000, durationMs / 4) };

  /** One reference run: a bare server of `mode` under the same load; resolves its memory at the end. */
  const reference = async (mode) => {
    const dir = join(ctx.tmp, `bare-${mode}`);
    mkdirSync(dir);
    const bare = await startBare(dir, nodeArgs, ctx.root, mode);
    try {
      const sockets = Array.from({ length: projects }, (_, i) => ({ socketPath: join(dir, `bare-${i}.sock`), name: "GITHUB_TOKEN", value: `value-${i}` }));
      ctx.log(`bare Node server (${mode}): ${projects} sockets × ${hz} Hz for ${seconds} s`);
      const r = await runProjectsSoak({ brokerPid: bare.pid, sockets, ...shape });
      if (r.errors > 0 || r.wrongValues > 0) throw new Error(`the reference server failed ${r.errors + r.wrongValues} of ${r.gets} gets`);
      return memory(bare.pid);
    } finally {
      bare.kill("SIGKILL");
    }
  };
  const ref = await reference("plain");
  const refAge = await reference("age");

  const broker = await startBrokerProcess({ dist: ctx.dist, dir: join(ctx.tmp, "broker"), nodeArgs });
  let ours;
  let gets = 0;
  try {
    const sockets = [];
    for (let i = 0; i < projects; i++) {
      const name = `soak-${i}`;
      const { socketPath } = await broker.register(name, ["GITHUB_TOKEN"]);
      const value = `value-${i}-${"x".repeat(40)}`;
      await broker.push({ GITHUB_TOKEN: value }, name);
      sockets.push({ socketPath, name: "GITHUB_TOKEN", value });
    }
    ctx.log(`remo-broker: ${projects} projects × ${hz} Hz for ${seconds} s`);
    const r = await runProjectsSoak({ brokerPid: broker.pid, sockets, ...shape });
    if (r.errors > 0 || r.wrongValues > 0) throw new Error(`the broker failed ${r.errors + r.wrongValues} of ${r.gets} gets: ${JSON.stringify(r.errorCodes)}`);
    gets = r.gets;
    ours = memory(broker.pid);
  } finally {
    await broker.stop();
  }
  const what = `${projects} projects × ${hz} Hz, new connection per get, ${seconds} s (${gets} gets)`;
  return [
    { area: "soak", what: `broker RSS, ${what}`, ours: ours.rss, reference: ref.rss, referenceLabel: "bare Node server, same load and flags", unit: "MiB", goal: "(context)" },
    { area: "soak", what: "same, against a bare server that also loaded age-encryption and decrypted once", ours: ours.rss, reference: refAge.rss, referenceLabel: "bare Node server + age, same load", unit: "MiB", goal: "(context)" },
    { area: "soak", what: "same, against remo-broker's 60 MiB soak figure", ours: ours.rss, reference: 60, referenceLabel: "the figure", unit: "MiB", goal: "≤ 60 MiB", met: ours.rss <= 60 },
    { area: "soak", what: "same, anonymous memory only (RssAnon: heap, stacks; no shared code pages)", ours: ours.anon, reference: ref.anon, referenceLabel: "bare Node server, same load and flags", unit: "MiB", goal: "(context)" },
  ];
}
