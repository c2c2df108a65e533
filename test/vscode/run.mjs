#!/usr/bin/env node
// `npm run test:vscode`: the in-VS-Code suite against the packaged .vsix, in a real VS Code
// (code-server + headless Chromium, test/vscode/harness/), with a real loopback node.
//   1. package the vsix (vsce package --no-dependencies; vscode:prepublish builds dist/)
//   2. bundle the mocha suite (test/vscode/suite → out/vscode-suite/index.js)
//   3. start the fixture node (fixture-node.mjs: real sshd on 127.0.0.1 + real broker)
//   4. copy test/fixtures/workspace to a temp folder named remo-fixture and run the harness:
//      the suite runs inside the extension host, then the UI is driven through the command
//      palette and screenshots are taken
//   5. scan every log for the secret sentinel, stop the node, clean up
// Flags: --update-screenshots copies the PNGs into docs/images/; --keep keeps the temp dirs.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const args = new Set(process.argv.slice(2));
const work = mkdtempSync(join(tmpdir(), "remo-vscode-"));
const out = join(root, "out", "vscode-run");
const log = (m) => console.log(`[test:vscode] ${m}`);
const cleanups = [];
let rc = 1;

function skip(why) {
  console.error(`\n${"#".repeat(64)}\nSKIPPED: the in-VS-Code suite did not run: ${why}\n${"#".repeat(64)}`);
  process.exit(process.env.CI === "true" ? 1 : 0);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} exited with ${r.status ?? r.signal}`);
}

try {
  if (process.platform !== "linux") skip(`the harness needs Linux (this is ${process.platform})`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  log("packaging the extension");
  const vsix = join(work, "remo-secrets.vsix");
  run(join(root, "node_modules", ".bin", "vsce"), ["package", "--no-dependencies", "-o", vsix], { stdio: ["ignore", "ignore", "inherit"] });

  log("bundling the suite");
  const suite = join(root, "out", "vscode-suite", "index.js");
  await esbuild.build({
    entryPoints: [join(root, "test", "vscode", "suite", "index.ts")], outfile: suite, bundle: true, platform: "node", format: "cjs",
    target: "node20", sourcemap: "inline", external: ["vscode", "mocha", "mocha/*"], logLevel: "warning",
  });

  log("starting the fixture node (sshd on 127.0.0.1 + broker)");
  const nodeJson = join(work, "fixture-node.json");
  const fixture = spawn(process.execPath, [join(root, "test", "vscode", "fixture-node.mjs"), nodeJson, join(work, "node")], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  cleanups.push(async () => {
    fixture.stdin.end(); // the fixture stops its sshd and broker when stdin closes
    await new Promise((r) => { if (fixture.exitCode !== null) r(); else fixture.once("exit", r); setTimeout(r, 15_000).unref(); });
    if (fixture.exitCode === null) fixture.kill("SIGKILL");
  });
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
  if (ready.error) {
    if (ready.skip) skip(ready.error);
    throw new Error(ready.error);
  }

  const wsParent = join(work, "ws");
  const ws = join(wsParent, "remo-fixture"); // the manifest's project.name must equal the folder name
  cpSync(join(root, "test", "fixtures", "workspace"), ws, { recursive: true });

  const sentinel = `SENTINEL_E2E_${randomBytes(12).toString("hex")}`;
  const steps = [
    "open:.devcontainer/remo-broker.toml", "problems", "screenshot:editor-diagnostics.png",
    "key:Control+J", "command:Remo: Show Audit", "frame:#records tbody tr", "screenshot:audit-view.png",
  ].join(";;");
  log("running the harness");
  const harness = spawnSync("bash", [join(root, "test", "vscode", "harness", "run-in-vscode.sh"), vsix, ws, out], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      REMO_E2E: "1",
      REMO_E2E_SECRET_VALUE: sentinel,
      REMO_FIXTURE_NODE: nodeJson,
      VSCODE_HARNESS_TESTS: suite,
      HARNESS_STEPS: steps,
      HARNESS_EXPECT_PROBLEM: "bad-name",
      // The suite takes its time on 2 busy cores; the UI steps run after it.
      HARNESS_TIMEOUT_S: process.env.HARNESS_TIMEOUT_S ?? "600",
      VSCODE_HARNESS_TEST_DELAY_MS: "500",
    },
  });
  rc = harness.status ?? 1;

  // Secrets never appear in logs: scan everything the run wrote (the suite used the sentinel as a value).
  const leaks = scan(sentinel, [out, join(work, "node")]);
  if (leaks.length > 0) {
    console.error(`FAIL: the secret sentinel appears in: ${leaks.join(", ")}`);
    rc = 1;
  } else log("sentinel scan: no secret value in any log, audit or output");

  for (const png of ["editor-diagnostics.png", "audit-view.png"]) {
    if (!existsSync(join(out, png))) { console.error(`FAIL: no screenshot ${png}`); rc = 1; continue; }
    if (args.has("--update-screenshots")) {
      mkdirSync(join(root, "docs", "images"), { recursive: true });
      cpSync(join(out, png), join(root, "docs", "images", png));
      log(`updated docs/images/${png}`);
    }
  }
} catch (e) {
  console.error(`[test:vscode] ${e?.stack ?? e}`);
  rc = 1;
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  if (!args.has("--keep")) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}
log(rc === 0 ? "passed" : `FAILED (rc=${rc}); logs in ${out}`);
process.exit(rc);

/** Every file under `dirs` (recursively, up to 32 MiB each) whose bytes contain `needle`. */
function scan(needle, dirs) {
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
