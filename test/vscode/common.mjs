// Shared by run.mjs (code-server harness) and run-desktop.mjs (@vscode/test-electron): the
// suite bundle, the fixture node, the workspace copy and the sentinel scan.
import { spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/** The repository root. */
export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Bundles test/vscode/suite into out/vscode-suite/index.js (the extensionTestsPath module). */
export async function bundleSuite() {
  const suite = join(root, "out", "vscode-suite", "index.js");
  await esbuild.build({
    entryPoints: [join(root, "test", "vscode", "suite", "index.ts")], outfile: suite, bundle: true, platform: "node", format: "cjs",
    target: "node20", sourcemap: "inline", external: ["vscode", "mocha", "mocha/*"], logLevel: "warning",
  });
  return suite;
}

/**
 * Starts test/vscode/fixture-node.mjs (loopback sshd + real broker, logs under `dir`) and
 * resolves once it is ready: { nodeJson, stop() } or { error, skip }.
 */
export async function startFixtureNode(nodeJson, dir) {
  const fixture = spawn(process.execPath, [join(root, "test", "vscode", "fixture-node.mjs"), nodeJson, dir], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const stop = async () => {
    fixture.stdin.end(); // the fixture stops its sshd and broker when stdin closes
    await new Promise((r) => { if (fixture.exitCode !== null) r(); else fixture.once("exit", r); setTimeout(r, 15_000).unref(); });
    if (fixture.exitCode === null) fixture.kill("SIGKILL");
  };
  const ready = await new Promise((resolve) => {
    let seen = "";
    fixture.stdout.on("data", (d) => {
      seen += d.toString();
      process.stdout.write(d);
      const m = /^ready (.*)$/m.exec(seen);
      if (m) resolve(JSON.parse(m[1]));
    });
    fixture.once("exit", (code) => resolve({ error: `fixture node exited with ${code}` }));
  });
  return ready.error ? { ...ready, stop } : { nodeJson, stop };
}

/** Copies test/fixtures/workspace to `<parent>/remo-fixture` (project.name must equal the folder name). */
export function copyWorkspace(parent) {
  const ws = join(parent, "remo-fixture");
  cpSync(join(root, "test", "fixtures", "workspace"), ws, { recursive: true });
  return ws;
}

/** Every file under `dirs` (recursively, up to 32 MiB each) whose bytes contain `needle`. */
export function scanForSentinel(needle, dirs) {
  const hits = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 32 * 1024 * 1024 && readFileSync(p, "latin1").includes(needle)) hits.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return hits;
}

/** Prints the loud SKIPPED banner; exits 1 in CI (a skipped required suite is a failure), else 0. */
export function skip(why) {
  console.error(`\n${"#".repeat(64)}\nSKIPPED: the in-VS-Code suite did not run: ${why}\n${"#".repeat(64)}`);
  process.exit(process.env.CI === "true" ? 1 : 0);
}
