// The node flow against the loopback sshd + real broker started by test/vscode/fixture-node.mjs:
// Add Node (pins), Push Secrets, then the broker's status checked from the node side, a
// container-side get through the real client, the audit view and Clear Secrets.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import * as vscode from "vscode";
import { restoreFile } from "./editing.test.ts";
import { activateExtension, fixtureNode, readWs, waitFor, wsUri, type FixtureNode } from "./util.ts";

interface Status { secret_count: number; projects: { name: string; socket_path: string; secret_count?: number }[] }

const validManifest = `schema_version = 1

[project]
name = "remo-fixture"

[allowlist]
secrets = ["GITHUB_TOKEN", "NPM_TOKEN"]
`;

suite("node: add, push, audit, clear", () => {
  const manifestUri = wsUri(".devcontainer", "remo-broker.toml");
  let original = "";
  let node: FixtureNode;

  suiteSetup(async () => {
    await activateExtension();
    node = fixtureNode();
    original = await readWs(".devcontainer", "remo-broker.toml");
    await restoreFile(manifestUri, validManifest);
  });

  suiteTeardown(async () => {
    await restoreFile(manifestUri, original);
    // Hand the window to the UI steps clean: the harness opens the manifest and the audit view itself.
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.commands.executeCommand("notifications.clearAll");
  });

  test("Add Node pins the loopback node's host key and recipient", async () => {
    const target = { name: "loopback", host: node.host, port: node.port, user: node.user, identityFile: node.identityFile, projectPath: node.projectPath, brokerCommand: node.brokerCommand };
    const name = await vscode.commands.executeCommand<string>("remo.addNode", { target, confirm: true });
    assert.equal(name, "loopback");
    const status = await vscode.commands.executeCommand<Status>("remo.showBrokerStatus", { quiet: true });
    assert.equal(typeof status.secret_count, "number");
  });

  test("Push refuses while an allowlisted value is missing, naming it", async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand("remo.pushSecrets")), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /NPM_TOKEN/);
      return true;
    });
  });

  test("Push sends the allowlisted values and the broker reports them loaded", async () => {
    await vscode.commands.executeCommand("remo.setSecret", "NPM_TOKEN", { value: "npm-e2e-value" });
    const result = await vscode.commands.executeCommand<{ secretCount: number; missing: string[]; registered: boolean }>("remo.pushSecrets");
    assert.deepEqual({ count: result.secretCount, missing: result.missing }, { count: 2, missing: [] });
    const status = await adminStatus(node);
    const project = status.projects.find((p) => p.name === "remo-fixture");
    assert.ok(project !== undefined, `remo-fixture not registered: ${JSON.stringify(status.projects.map((p) => p.name))}`);
    assert.equal(project.secret_count ?? status.secret_count, 2);
  });

  test("a container-side get through the real client returns the pushed value", async () => {
    const status = await adminStatus(node);
    const socket = status.projects.find((p) => p.name === "remo-fixture")!.socket_path;
    const { stdout } = await run(process.execPath, [join(node.repoRoot, "dist", "remo-secrets.js"), "--socket", socket, "get", "GITHUB_TOKEN"]);
    // Compare without printing: the value is a sentinel the runner scans every log for.
    assert.ok(stdout.trim() === (process.env.REMO_E2E_SECRET_VALUE ?? "e2e-value"), "the container got a different GITHUB_TOKEN value");
  });

  test("Show Audit opens the panel with the node's records", async () => {
    const panel = await vscode.commands.executeCommand<{ recordCount: number }>("remo.showAudit");
    await waitFor("audit records in the panel", () => panel.recordCount, (n) => n > 0);
  });

  test("Clear Secrets on Node empties the project's bundle", async () => {
    await vscode.commands.executeCommand("remo.clearSecretsOnNode", { confirm: true });
    const status = await adminStatus(node);
    const project = status.projects.find((p) => p.name === "remo-fixture");
    assert.equal(project?.secret_count ?? 0, 0);
    // Push again so the audit view and the broker show a loaded project for the screenshots.
    const again = await vscode.commands.executeCommand<{ secretCount: number }>("remo.pushSecrets");
    assert.equal(again.secretCount, 2);
  });
});

/** `remo-broker admin status` run on the node side (not through the extension). */
async function adminStatus(node: FixtureNode): Promise<Status> {
  const [program, ...args] = node.adminArgv;
  const { stdout } = await run(program!, [...args, "status"]);
  return JSON.parse(stdout) as Status;
}

function run(program: string, args: string[]): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${program} ${args.join(" ")} failed: ${stderr}`));
      else resolve({ stdout });
    });
  });
}
