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
//   6. run the harness a third time on the same fixture served as remo-test://fixture/remo-fixture
//      (a FileSystemProvider of the runner extension) with a faked Remote-SSH window, answering
//      the suite's prompts through the browser (HARNESS_UI_DIR)
//   7. run the harness a fourth time on test/fixtures/multiroot's .code-workspace: two Remo
//      projects and a folder without a manifest, opened as one multi-root workspace
// Flags: --update-screenshots copies the PNGs (remo-view.png is taken by suite/remo-view.test.ts) into docs/images/; --keep keeps the temp dirs;
// --only-remote / --only-multiroot run only that pass (for working on it).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleSuite, copyWorkspace, root, scanForSentinel, skip, startFixtureNode } from "./common.mjs";

const args = new Set(process.argv.slice(2));
const work = mkdtempSync(join(tmpdir(), "remo-vscode-"));
const out = join(root, "out", "vscode-run");
const log = (m) => console.log(`[test:vscode] ${m}`);
const maxVsixBytes = 2 * 1024 * 1024;
let stopNode = async () => { /* no node started yet */ };
let rc = 1;

const cleanup = async () => {
  await stopNode().catch(() => undefined);
  if (!args.has("--keep")) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
};
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => { void cleanup().finally(() => process.exit(130)); });

try {
  if (process.platform !== "linux") skip(`the harness needs Linux (this is ${process.platform})`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  log("packaging the extension");
  const vsix = join(work, "remo-secrets.vsix");
  const pkg = spawnSync(join(root, "node_modules", ".bin", "vsce"), ["package", "--no-dependencies", "--readme-path", "extension/README.md", "-o", vsix], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (pkg.status !== 0) throw new Error(`vsce package failed (${pkg.status ?? pkg.signal})`);
  const size = statSync(vsix).size;
  if (size >= maxVsixBytes) throw new Error(`the vsix is ${size} bytes; the budget is ${maxVsixBytes}`);
  log(`vsix: ${(size / 1024).toFixed(0)} KiB (budget 2048 KiB)`);

  log("bundling the suite");
  const suite = await bundleSuite();

  log("starting the fixture node (sshd on 127.0.0.1 + broker)");
  const node = await startFixtureNode(join(work, "fixture-node.json"), join(work, "node"));
  stopNode = node.stop;
  if (node.error) {
    if (node.skip) { await cleanup(); skip(node.error); }
    throw new Error(node.error);
  }

  const sentinel = `SENTINEL_E2E_${randomBytes(12).toString("hex")}`;
  const outUntrusted = join(root, "out", "vscode-run-untrusted");
  const only = args.has("--only-remote") || args.has("--only-multiroot");
  rc = only ? 0 : runLocalPasses(vsix, sentinel, node.nodeJson, suite, outUntrusted);

  const outRemote = join(root, "out", "vscode-run-remote");
  rmSync(outRemote, { recursive: true, force: true });
  if (!args.has("--only-multiroot")) rc = runRemotePass(vsix, sentinel, node.nodeJson, suite, outRemote) || rc;
  const outMulti = join(root, "out", "vscode-run-multiroot");
  if (!args.has("--only-remote")) rc = runMultiRootPass(vsix, sentinel, node.nodeJson, suite, outMulti) || rc;
  await stopNode(); // flushes the broker's output into <work>/node for the scan
  stopNode = async () => { /* already stopped */ };

  // Secrets never appear in logs: the suite used the sentinel as a value; scan all the run wrote.
  const leaks = scanForSentinel(sentinel, [out, outUntrusted, outRemote, outMulti, join(work, "node"), join(work, "ui"), join(work, "ui-trusted"), join(work, "ui-multiroot")]);
  if (leaks.length > 0) {
    console.error(`FAIL: the secret sentinel appears in: ${leaks.join(", ")}`);
    rc = 1;
  } else log("sentinel scan: no secret value in any log, audit or output");

  for (const png of only ? [] : ["editor-diagnostics.png", "audit-view.png", "remo-view.png"]) {
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
  await cleanup();
}
log(rc === 0 ? "passed" : `FAILED (rc=${rc}); logs in ${out}`);
process.exit(rc);

/** The virtual-workspace pass: remo-test://fixture/remo-fixture in a faked Remote-SSH window; returns its exit code. */
function runRemotePass(vsix, sentinel, nodeJson, suite, outRemote) {
  log("running the harness on a virtual workspace (remo-test://) in a faked Remote-SSH window");
  const vfsRoot = join(work, "vfs");
  copyWorkspace(vfsRoot);
  // A Remote-SSH window on the loopback node from the start, as the extension meets it when it
  // activates: what Remote-SSH writes for "Connect to Host… root@127.0.0.1:<port>" (hex JSON).
  const fixture = JSON.parse(readFileSync(nodeJson, "utf8"));
  const authority = Buffer.from(JSON.stringify({ hostName: fixture.host, user: fixture.user, port: fixture.port })).toString("hex");
  const remote = spawnSync("bash", [join(root, "test", "vscode", "harness", "run-in-vscode.sh"), vsix, join(vfsRoot, "remo-fixture"), outRemote], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      REMO_E2E: "1",
      REMO_E2E_SUITE: "remote",
      REMO_E2E_SECRET_VALUE: sentinel,
      REMO_FIXTURE_NODE: nodeJson,
      REMO_E2E_VFS_ROOT: vfsRoot,
      HARNESS_FOLDER_URI: "remo-test://fixture/remo-fixture",
      REMO_E2E_WINDOW_URI: `vscode-remote://ssh-remote+${authority}${fixture.projectPath}`,
      HARNESS_UI_DIR: join(work, "ui"),
      VSCODE_HARNESS_TESTS: suite,
      HARNESS_STEPS: ["command:Remo: Show Audit", "frame:#records tbody tr", "screenshot:remote-audit-view.png"].join(";;"),
      HARNESS_TIMEOUT_S: process.env.HARNESS_TIMEOUT_S ?? "900",
      VSCODE_HARNESS_TEST_DELAY_MS: "500",
    },
  });
  return remote.status ?? 1;
}

/** The multi-root pass: test/fixtures/multiroot's workspace file (two Remo projects, one plain folder); returns its exit code. */
function runMultiRootPass(vsix, sentinel, nodeJson, suite, outMulti) {
  log("running the harness on a multi-root workspace (two Remo projects and a plain folder)");
  rmSync(outMulti, { recursive: true, force: true });
  const ws = join(work, "multiroot");
  cpSync(join(root, "test", "fixtures", "multiroot"), ws, { recursive: true });
  mkdirSync(join(work, "ui-multiroot"), { recursive: true });
  const multi = spawnSync("bash", [join(root, "test", "vscode", "harness", "run-in-vscode.sh"), vsix, ws, outMulti], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      REMO_E2E: "1",
      REMO_E2E_SUITE: "multiroot",
      REMO_E2E_SECRET_VALUE: sentinel,
      REMO_FIXTURE_NODE: nodeJson,
      HARNESS_WORKSPACE_FILE: join(ws, "remo-multiroot.code-workspace"),
      HARNESS_UI_DIR: join(work, "ui-multiroot"),
      VSCODE_HARNESS_TESTS: suite,
      // The suite leaves the audit view open for alpha: the webview starts filtered to that project.
      HARNESS_STEPS: ["screenshot:remo-view-multiroot.png", "frame:#f-project option[value=alpha]:checked", "frame:#records tbody tr", "screenshot:audit-view-multiroot.png"].join(";;"),
      HARNESS_TIMEOUT_S: process.env.HARNESS_TIMEOUT_S ?? "600",
      VSCODE_HARNESS_TEST_DELAY_MS: "500",
    },
  });
  return multi.status ?? 1;
}

/** The trusted pass (suite + UI steps + screenshots) and the Restricted Mode pass, on a real folder. */
function runLocalPasses(vsix, sentinel, nodeJson, suite, outUntrusted) {
  const ws = copyWorkspace(join(work, "ws"));
  const steps = [
    "open:.devcontainer/remo-broker.toml", "problems", "screenshot:editor-diagnostics.png",
    "key:Control+J", "command:Remo: Show Audit", "frame:#records tbody tr",
    // The per-secret summary, the chart's bars and a highlighted refusal (the suite's probe) are drawn.
    "frame:#secret-summary tbody tr[data-secret=GITHUB_TOKEN]", "frame:#chart svg.reads-chart rect.bar-read", "frame:#records tbody tr.refused",
    // The suite's toasts (the burst notification among them) would cover the table.
    "command:Notifications: Clear All Notifications", "screenshot:audit-view.png",
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
      // The trusted pass answers UI requests too: the Remo view and the status bar are read in the browser.
      HARNESS_UI_DIR: join(work, "ui-trusted"),
      // The suite takes its time on 2 busy cores; the UI steps run after it.
      HARNESS_TIMEOUT_S: process.env.HARNESS_TIMEOUT_S ?? "600",
      VSCODE_HARNESS_TEST_DELAY_MS: "500",
    },
  });
  let rc = harness.status ?? 1;

  log("running the harness again in Restricted Mode (untrusted folder)");
  rmSync(outUntrusted, { recursive: true, force: true });
  const untrusted = spawnSync("bash", [join(root, "test", "vscode", "harness", "run-in-vscode.sh"), vsix, copyWorkspace(join(work, "ws-untrusted")), outUntrusted], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, REMO_E2E: "1", REMO_E2E_SUITE: "untrusted", HARNESS_UNTRUSTED: "1", VSCODE_HARNESS_TESTS: suite, HARNESS_STEPS: "problems", HARNESS_TIMEOUT_S: process.env.HARNESS_TIMEOUT_S ?? "300", VSCODE_HARNESS_TEST_DELAY_MS: "500" },
  });
  if (untrusted.status !== 0) rc = untrusted.status ?? 1;
  return rc;
}
