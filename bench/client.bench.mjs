// The in-container client's cost, each figure beside a reference measured in the same run:
//   - `remo-secrets get X` wall time vs `node -e 0` + one `nc -U` round trip (goal <= 1.2x)
//   - `remo-secrets exec -- true` with 50 secrets vs one `get` (one more batch + a child)
//   - `exec --mask` piping 8 MiB through the masker (50 secrets) vs plain `exec`
// Everything runs against a real broker (dist/remo-broker.js) on a temp runtime dir.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { median, startBroker } from "./lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 25);

/** Wall time of one synchronous process run, in ms; throws if it fails. */
function timeRun(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["pipe", "pipe", "pipe"], ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${String(r.stderr).slice(0, 500)}`);
  return { ms, stdout: r.stdout };
}

/** Runs each named case `runs` times, interleaved so they share the machine's noise; returns medians. */
function measure(cases) {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [k, f] of Object.entries(cases)) samples[k].push(f());
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

export async function run(ctx) {
  const built = join(ctx.dist, "remo-secrets.js");
  for (const f of [built, join(ctx.dist, "remo-broker.js")]) {
    if (!existsSync(f)) return [{ area: "client", what: "(all)", skipped: `${f} missing: run npm run build` }];
  }
  // Run the client from where install.sh puts it, not from dist/: Node reads the nearest
  // package.json of a .js entry, and the repository's (the extension manifest) costs ~3 ms to parse.
  const client = join(ctx.tmp, "lib", "remo-secrets", "remo-secrets.js");
  mkdirSync(dirname(client), { recursive: true });
  copyFileSync(built, client);
  // The floor for any Node client: connect, one pipelined ping+get, print, exit.
  const minimal = join(ctx.tmp, "lib", "minimal-get.cjs");
  writeFileSync(minimal, `const s = require("net").connect(process.env.REMO_BROKER_SOCKET, () => s.write('{"op":"ping"}\\n{"op":"get","name":"SECRET_00"}\\n'));
let buf = ""; s.on("data", (d) => { buf += d; const l = buf.split("\\n"); if (l.length > 2) { s.destroy(); process.stdout.write(JSON.parse(l[1]).value); } });
`);
  if (spawnSync("sh", ["-c", "command -v nc"]).status !== 0) return [{ area: "client", what: "(all)", skipped: "nc (netcat-openbsd) is not installed" }];

  const names = Array.from({ length: 50 }, (_, i) => `SECRET_${String(i).padStart(2, "0")}`);
  const secrets = Object.fromEntries(names.map((n, i) => [n, `value-${i}-${"x".repeat(40)}`]));
  const b = await startBroker(ctx);
  try {
    const project = join(ctx.tmp, "projects", "bench");
    mkdirSync(join(project, ".devcontainer"), { recursive: true });
    writeFileSync(join(project, ".devcontainer", "remo-broker.toml"), `schema_version = 1\n\n[project]\nname = "bench"\n\n[allowlist]\nsecrets = [${names.map((n) => JSON.stringify(n)).join(", ")}]\n`);
    b.admin(["register", "--name", "bench", "--project-path", project]);
    const { Encrypter } = await import("age-encryption");
    const e = new Encrypter();
    e.addRecipient(b.recipient);
    const bundle = Object.entries(secrets).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join("\n") + "\n";
    b.admin(["push-creds"], Buffer.from(await e.encrypt(bundle)));
    const socket = join(b.runtimeDir, "projects", "bench", "sock");
    const env = { PATH: process.env.PATH, REMO_BROKER_SOCKET: socket };
    const bigFile = join(ctx.tmp, "big.txt");
    // 8 MiB of log-like text with a secret every ~4 KiB, so the masker has real work.
    const line = "2026-01-01T00:00:00Z info building module with some ordinary output text here\n";
    let text = "";
    while (text.length < 8 * 1024 * 1024) text += line.repeat(50) + `token ${secrets.SECRET_07}\n`;
    writeFileSync(bigFile, text);

    ctx.log(`measuring ${runs} runs of each case`);
    const m = measure({
      // Same minimal environment for every case: NODE_EXTRA_CA_CERTS alone adds ~50 ms to any node start.
      nodeE0: () => timeRun(process.execPath, ["-e", "0"], { env }).ms,
      nc: () => {
        const r = timeRun("nc", ["-U", "-N", socket], { input: "{\"op\":\"get\",\"name\":\"SECRET_00\"}\n" });
        if (!String(r.stdout).includes("\"ok\":true")) throw new Error(`nc got ${r.stdout}`);
        return r.ms;
      },
      minimal: () => {
        const r = timeRun(process.execPath, [minimal], { env });
        if (String(r.stdout) !== secrets.SECRET_00) throw new Error("the minimal client returned the wrong value");
        return r.ms;
      },
      get: () => {
        const r = timeRun(process.execPath, [client, "get", "SECRET_00"], { env });
        if (String(r.stdout) !== secrets.SECRET_00) throw new Error("get returned the wrong value");
        return r.ms;
      },
      exec50: () => timeRun(process.execPath, [client, "exec", "--", "true"], { env }).ms,
    });
    const pipe = measure({
      execCatToParent: () => timeRun(process.execPath, [client, "exec", "--", "cat", bigFile], { env, maxBuffer: 64 * 1024 * 1024 }).ms,
      maskCat: () => {
        const r = timeRun(process.execPath, [client, "exec", "--mask", "--", "cat", bigFile], { env, maxBuffer: 64 * 1024 * 1024 });
        if (String(r.stdout).includes(secrets.SECRET_07)) throw new Error("a secret survived --mask");
        return r.ms;
      },
    });
    const reference = m.nodeE0 + m.nc;
    return [
      { area: "client", what: "node -e 0 (reference part)", ours: m.nodeE0, unit: "ms" },
      { area: "client", what: "nc -U + one get round trip (reference part)", ours: m.nc, unit: "ms" },
      { area: "client", what: "remo-secrets get X, wall time", ours: m.get, reference, referenceLabel: "node -e 0 + nc round trip", unit: "ms", goal: "<= 1.2x", met: m.get <= 1.2 * reference },
      { area: "client", what: "remo-secrets get X vs the floor", ours: m.get, reference: m.minimal, referenceLabel: "12-line CJS client: net + ping/get", unit: "ms", goal: "informational" },
      { area: "client", what: "remo-secrets exec -- true, 50 secrets", ours: m.exec50, reference: m.get, referenceLabel: "get X (1 secret)", unit: "ms", goal: "<= 1.5x", met: m.exec50 <= 1.5 * m.get },
      { area: "client", what: "exec --mask -- cat 8 MiB, 50 secrets", ours: pipe.maskCat, reference: pipe.execCatToParent, referenceLabel: "exec -- cat 8 MiB (inherited stdout)", unit: "ms", goal: "informational" },
    ];
  } finally {
    b.child.kill("SIGTERM");
  }
}
