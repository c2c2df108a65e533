// Push 10 KiB end to end to a loopback sshd + real broker: ours (ssh2, new connection each time)
// beside the hand pipeline `age -r R < bundle | ssh node remo-broker admin push-creds`, same run.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { median, timeProcess } from "./lib.mjs";

const iterations = Number(process.env.REMO_BENCH_PUSH_RUNS ?? 12);

/** Bundles the TypeScript modules under test (and the test helpers) into one CJS file in tmp. */
async function loadModules(root, tmp) {
  const outfile = join(tmp, "push-bench.cjs");
  await esbuild.build({
    stdin: {
      contents: [
        "export { pushSecrets } from './extension/src/push/push-secrets.ts';",
        "export { NodeClient } from './extension/src/node/admin-client.ts';",
        "export { encryptBundle } from './extension/src/push/encrypt.ts';",
        "export { startSshd, writeBrokerWrapper } from './test/helpers/sshd.ts';",
        "export { startBroker, writeProject, brokerBin } from './test/helpers/broker-process.ts';",
        "export { encodeBundle } from '#protocol';",
      ].join("\n"),
      resolveDir: root,
      loader: "ts",
    },
    bundle: true, platform: "node", format: "cjs", target: "node20", outfile, logLevel: "error",
    external: ["cpu-features", "*.node"],
    mainFields: ["module", "main"],
    // broker-process.ts finds the repository from its own location.
    define: { "import.meta.url": JSON.stringify(pathToFileURL(join(root, "test", "helpers", "broker-process.ts")).href) },
  });
  return createRequire(import.meta.url)(outfile);
}

// The same comparison over a 50 ms round-trip link lives in push-link.bench.mjs (issue 6).

export async function run(ctx) {
  const area = "push";
  for (const tool of ["sshd", "ssh", "age"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool === "sshd" ? "/usr/sbin/sshd" : tool}`]).status !== 0) {
      return [{ area, what: "push 10 KiB over SSH", skipped: `${tool} is not installed (scripts/ensure-system-deps.sh installs it)` }];
    }
  }
  const m = await loadModules(ctx.root, ctx.tmp);
  const broker = await m.startBroker();
  const sshd = await m.startSshd({ dir: join(ctx.tmp, "sshd") });
  try {
    const project = "benchproj";
    // 40 secrets of ~240 characters: a 10 KiB bundle.
    const values = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`SECRET_${String(i).padStart(2, "0")}`, `v${i}_`.padEnd(240, "x")]));
    const plaintext = m.encodeBundle(values);
    const projectPath = m.writeProject(join(broker.dir, "projects"), project, { allowlist: Object.keys(values) });
    const wrapper = m.writeBrokerWrapper(ctx.tmp, broker, m.brokerBin);
    const target = { name: "bench", host: "127.0.0.1", port: sshd.port, user: "root", identityFile: sshd.userKeyFile, projectPath, brokerCommand: wrapper };
    const pins = { hostKeySha256: sshd.hostKeySha256(), recipient: broker.recipient };
    const deps = { readFile: (p) => import("node:fs/promises").then((fs) => fs.readFile(p)), env: { HOME: ctx.tmp, USER: "root" }, connectTimeoutMs: 20_000 };
    const lookup = (n) => Promise.resolve(values[n]);
    const allowlist = Object.keys(values);
    ctx.log(`bundle plaintext ${plaintext.length} bytes, ${iterations} runs each, interleaved`);

    const bundleFile = join(ctx.tmp, "bundle.toml");
    writeFileSync(bundleFile, plaintext);
    const knownHosts = join(ctx.tmp, "known_hosts");
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine()}\n`);
    const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
    const hand = `age -r ${q(broker.recipient)} < ${q(bundleFile)} | ssh -F /dev/null -p ${sshd.port} -i ${q(sshd.userKeyFile)} -o IdentitiesOnly=yes -o BatchMode=yes `
      + `-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${q(knownHosts)} root@127.0.0.1 ${q(wrapper)} admin push-creds --project ${project}`;

    const ours = [];
    const full = [];
    const reference = [];
    // One warm-up of each so file caches and the first sshd fork do not count.
    await m.pushSecrets({ target, pins, project: { name: project, allowlist }, lookup, register: true, registeredPath: projectPath }, deps);
    await timeProcess("sh", ["-c", hand]);
    for (let i = 0; i < iterations; i++) {
      let t0 = process.hrtime.bigint();
      const r = await m.pushSecrets({ target, pins, project: { name: project, allowlist }, lookup, register: false }, deps);
      ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.secretCount !== allowlist.length) throw new Error(`pushed ${r.secretCount} secrets, expected ${allowlist.length}`);
      const h = await timeProcess("sh", ["-c", hand]);
      if (!h.out.includes(`"secret_count": ${allowlist.length}`)) throw new Error(`hand pipeline answered: ${h.out}`);
      reference.push(h.ms);
      t0 = process.hrtime.bigint();
      await m.pushSecrets({ target, pins, project: { name: project, allowlist }, lookup, register: true, registeredPath: projectPath }, deps);
      full.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const ref = median(reference);
    ctx.log(`ours ${ours.map((x) => x.toFixed(0)).join(" ")} | hand ${reference.map((x) => x.toFixed(0)).join(" ")} | with register ${full.map((x) => x.toFixed(0)).join(" ")}`);
    return [
      { area, what: "push 10 KiB, new SSH connection (connect, recipient check, encrypt, push-creds)", ours: median(ours), reference: ref, referenceLabel: "age | ssh … push-creds", unit: "ms", goal: "≤ 1.0x", met: median(ours) <= ref },
      { area, what: "same + register/reload (what Push Secrets runs)", ours: median(full), reference: ref, referenceLabel: "age | ssh … push-creds", unit: "ms", goal: "info" },
    ];
  } finally {
    await sshd.stop();
    await broker.stop();
  }
}
