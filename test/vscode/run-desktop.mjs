#!/usr/bin/env node
// `npm run test:vscode-desktop`: the same in-VS-Code suite in desktop VS Code through
// @vscode/test-electron, for machines that can download VS Code (this sandbox cannot: use
// `npm run test:vscode`, the code-server harness, here). Runs the extension from the repo
// (extensionDevelopmentPath) after `npm run build`, against the same loopback fixture node.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTests } from "@vscode/test-electron";
import { bundleSuite, copyWorkspace, root, scanForSentinel, skip, startFixtureNode } from "./common.mjs";

const work = mkdtempSync(join(tmpdir(), "remo-vscode-desktop-"));
let stopNode = async () => { /* no node started yet */ };
let rc = 1;
try {
  const build = spawnSync(process.execPath, [join(root, "esbuild.mjs")], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
  const suite = await bundleSuite();
  const node = await startFixtureNode(join(work, "fixture-node.json"), join(work, "node"));
  stopNode = node.stop;
  if (node.error) {
    if (node.skip) { await stopNode(); rmSync(work, { recursive: true, force: true }); skip(node.error); }
    throw new Error(node.error);
  }
  const ws = copyWorkspace(join(work, "ws"));
  const sentinel = `SENTINEL_E2E_${randomBytes(12).toString("hex")}`;
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: suite,
      launchArgs: [ws, "--disable-extensions", "--disable-workspace-trust", `--user-data-dir=${join(work, "user-data")}`],
      extensionTestsEnv: { REMO_E2E: "1", REMO_E2E_SECRET_VALUE: sentinel, REMO_FIXTURE_NODE: node.nodeJson },
    });
    rc = 0;
  } catch (e) {
    const msg = String(e?.message ?? e);
    // Downloading VS Code is the one step this runner cannot do offline.
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|download/i.test(msg)) {
      await stopNode();
      rmSync(work, { recursive: true, force: true });
      skip(`@vscode/test-electron could not download VS Code (${msg.split("\n")[0]}); run \`npm run test:vscode\` (code-server) instead`);
    }
    throw e;
  }
  await stopNode();
  stopNode = async () => { /* already stopped */ };
  const leaks = scanForSentinel(sentinel, [join(work, "user-data", "logs"), join(work, "node")]);
  if (leaks.length > 0) {
    console.error(`FAIL: the secret sentinel appears in: ${leaks.join(", ")}`);
    rc = 1;
  }
} catch (e) {
  console.error(`[test:vscode-desktop] ${e?.stack ?? e}`);
  rc = 1;
} finally {
  await stopNode().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
process.exit(rc);
