#!/usr/bin/env node
// The "node" for the in-VS-Code suite: a real OpenSSH sshd on 127.0.0.1 whose sessions run the
// real broker admin CLI (through a `remo-broker` wrapper) against a real `remo-broker serve`.
// Reuses test/helpers/sshd.ts and test/helpers/broker-process.ts, bundled on the fly with
// esbuild (no tsx). usage: fixture-node.mjs <coordinates.json> <work-dir>
// Prints `ready {...}` once both run; stops them when stdin closes (or on SIGTERM).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const [jsonPath, dir] = process.argv.slice(2);
if (!jsonPath || !dir) {
  console.error("usage: fixture-node.mjs <coordinates.json> <work-dir>");
  process.exit(2);
}
const ready = (o) => { process.stdout.write(`ready ${JSON.stringify(o)}\n`); };

for (const [path, why] of [["/usr/sbin/sshd", "OpenSSH server (apt-get install openssh-server)"], ["/usr/bin/ssh-keygen", "ssh-keygen (apt-get install openssh-client)"], [join(root, "dist", "remo-broker.js"), "dist/remo-broker.js (npm run build)"]]) {
  if (!existsSync(path)) {
    ready({ error: `missing ${why}`, skip: path.startsWith("/usr") });
    process.exit(1);
  }
}

// Bundled next to the repo root's out/ so broker-process.ts finds dist/ via import.meta.url.
const helpers = join(root, "out", "vscode-fixture", "helpers.mjs");
await esbuild.build({
  stdin: { contents: "export * from \"./test/helpers/sshd.ts\";\nexport * from \"./test/helpers/broker-process.ts\";\n", resolveDir: root, loader: "ts", sourcefile: "fixture-helpers.ts" },
  outfile: helpers, bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const { startSshd, startBroker, writeProject, writeBrokerWrapper, brokerBin } = await import(pathToFileURL(helpers).href);

mkdirSync(dir, { recursive: true });
let broker;
let sshd;
const stop = async () => {
  await sshd?.stop().catch(() => undefined);
  if (broker) {
    await broker.stop().catch(() => undefined);
    writeFileSync(join(dir, "broker-output.log"), broker.output()); // scanned for the sentinel by run.mjs
  }
};
try {
  mkdirSync(join(dir, "broker"), { recursive: true });
  broker = await startBroker({ dir: join(dir, "broker") });
  const projectPath = writeProject(join(broker.dir, "projects"), "remo-fixture", { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] });
  // REMO_FIXTURE_BROKER_ON_PATH=1 (npm run try): sessions find `remo-broker` on PATH, as on a
  // real node, so a node added by hand in the UI works without a broker-command setting.
  const onPath = process.env.REMO_FIXTURE_BROKER_ON_PATH === "1" ? [`SetEnv PATH=${join(dir, "bin")}:/usr/local/bin:/usr/bin:/bin`] : [];
  sshd = await startSshd({ dir: join(dir, "sshd"), extraConfig: onPath });
  const wrapper = writeBrokerWrapper(dir, broker, brokerBin);
  const coords = {
    host: "127.0.0.1", port: sshd.port, user: "root", identityFile: sshd.userKeyFile, projectPath, brokerCommand: wrapper,
    repoRoot: root, adminArgv: [process.execPath, brokerBin, "admin", "--runtime-dir", broker.runtimeDir],
    hostKeySha256: sshd.hostKeySha256(), recipient: broker.recipient, auditFile: broker.auditFile,
  };
  writeFileSync(jsonPath, JSON.stringify(coords, null, 2));
  ready({ ok: true, port: sshd.port });
} catch (e) {
  await stop();
  ready({ error: `the fixture node did not start: ${e?.message ?? e}` });
  process.exit(1);
}

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stop();
  process.exit(0);
};
process.stdin.on("end", () => { void shutdown(); });
process.stdin.resume();
process.on("SIGTERM", () => { void shutdown(); });
