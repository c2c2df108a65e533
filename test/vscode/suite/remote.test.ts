// The remote-window flows, run in the virtual-workspace pass: the fixture folder is served by
// the runner extension's `remo-test` FileSystemProvider, and the window's remote authority is
// faked as a Remote-SSH one that points at the loopback node. Prompts are answered through the
// browser by the harness's driver (ui.ts), not with test-only arguments.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import { restoreFile } from "./editing.test.ts";
import { remoStatusBar, ui } from "./ui.ts";
import { activateExtension, fixtureNode, folder, readWs, waitFor, wsUri, type FixtureNode } from "./util.ts";

interface Status { projects: { name: string; secret_count?: number }[] }
interface NodeRun { node: string; ok: boolean; error?: string; result?: { secretCount: number } }

const hex = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("hex");
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const validManifest = `schema_version = 1

[project]
name = "remo-fixture"

[allowlist]
secrets = ["GITHUB_TOKEN", "NPM_TOKEN"]
`;

suite("remote window: virtual workspace, window's host, UI prompts", () => {
  let node: FixtureNode;
  let scratch = "";
  let original = "";
  const manifestUri = wsUri(".devcontainer", "remo-broker.toml");
  const remo = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration("remo");

  suiteSetup(async () => {
    await activateExtension();
    node = fixtureNode();
    original = await readWs(".devcontainer", "remo-broker.toml");
    await restoreFile(manifestUri, validManifest);
    // This pass is another laptop profile on the same fixture node: a registration the file-workspace
    // pass made there belongs to another checkout, so the node starts without it (as a new node would).
    await adminCall(node, ["unregister", "--name", "remo-fixture"]).catch(() => undefined);
    // The harness fakes the window before the extension activates, with what Remote-SSH writes
    // for "Connect to Host… root@127.0.0.1:<port>": the hex JSON form.
    assert.equal(process.env.REMO_E2E_WINDOW_URI, `vscode-remote://ssh-remote+${hex({ hostName: node.host, user: node.user, port: node.port })}${node.projectPath}`);
    // The user's ssh config supplies the key, as it would for a real alias.
    scratch = mkdtempSync(join(tmpdir(), "remo-e2e-ssh-"));
    writeFileSync(join(scratch, "config"), `Host ${node.host}\n  IdentityFile ${node.identityFile}\n`);
    await remo().update("ssh.configFile", join(scratch, "config"), vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await remo().update("ssh.configFile", undefined, vscode.ConfigurationTarget.Global);
    rmSync(scratch, { recursive: true, force: true });
    await restoreFile(manifestUri, original);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.commands.executeCommand("notifications.clearAll");
  });

  test("the workspace folder is served by a non-file FileSystemProvider", () => {
    assert.equal(folder().uri.scheme, "remo-test");
    assert.equal(folder().uri.toString(), "remo-test://fixture/remo-fixture");
  });

  test("the status bar names this window's host before it is added as a node", async () => {
    const seen = await remoStatusBar((s) => s.text === `Remo: ${node.host} (not added)`, true);
    assert.deepEqual(seen.icons, ["codicon-remote"]);
    assert.match(seen.tooltip ?? "", new RegExp(`This window is on ${esc(node.host)} \\(Remote-SSH\\)`));
  });

  test("Set Secret takes the value from a password box", async () => {
    const value = process.env.REMO_E2E_SECRET_VALUE ?? "e2e-value";
    const pending = vscode.commands.executeCommand<string>("remo.setSecret", "GITHUB_TOKEN");
    const seen = await ui({ do: "input", text: value });
    assert.equal(seen.type, "password");
    assert.match(seen.title ?? "", /value of GITHUB_TOKEN/);
    assert.equal(await pending, "GITHUB_TOKEN");
    // Every allowlisted name has a value before the pushes below (pass 1's tests set them there).
    const npm = vscode.commands.executeCommand<string>("remo.setSecret", "NPM_TOKEN");
    await ui({ do: "input", text: `${value}-npm` });
    assert.equal(await npm, "NPM_TOKEN");
  });

  test("Push in a window whose node is unknown offers this window's host, then pins it after the dialog", async () => {
    for (const n of ["loopback", node.host]) await vscode.commands.executeCommand("remo.removeNode", n).then(undefined, () => undefined);
    const pushesBefore = countPushes(node);
    const pending = vscode.commands.executeCommand<{ node: string; secretCount: number }>("remo.pushSecrets", { brokerCommand: node.brokerCommand });
    const offer = await ui({ do: "dialog", button: "Use This Window's Host" });
    assert.match(offer.text ?? "", new RegExp(`This window is on ${node.host.replace(/\./g, "\\.")} \\(Remote-SSH\\)`));
    const path = await ui({ do: "input" });
    assert.equal(path.value, node.projectPath, "the project path is proposed from the window's folder");
    const pin = await ui({ do: "dialog", button: "Pin and Add" });
    assert.ok(pin.text?.includes(node.hostKeySha256) === true, `the dialog shows the host key: ${pin.text ?? ""}`);
    assert.ok(pin.text.includes(node.recipient), "the dialog shows the broker recipient");
    // The first push of this project to this node asks to approve its names, each pre-checked.
    const approval = await ui({ do: "accept" });
    assert.deepEqual(approval.labels?.map((l) => /^[A-Z0-9_]+/.exec(l.trim())?.[0]).sort(), ["GITHUB_TOKEN", "NPM_TOKEN"], JSON.stringify(approval.labels));
    const pushed = await pending;
    assert.deepEqual({ node: pushed.node, count: pushed.secretCount }, { node: node.host, count: 2 });
    // The broker writes audit records in 20 ms batches: wait for the record, then check the count.
    assert.equal(await waitFor("the push in the audit", () => countPushes(node), (c) => c >= pushesBefore + 1, 10_000), pushesBefore + 1);
    // The window's host is now the workspace's node; the tooltip still says where the window is.
    const status = await remoStatusBar((s) => s.text === `Remo: ${node.host}`, true);
    assert.match(status.tooltip ?? "", new RegExp(`Window: on ${esc(node.host)} \\(Remote-SSH\\)`));
  });

  test("Add Node proposes the window's host first and keeps the folder's other node when asked", async () => {
    const pending = vscode.commands.executeCommand<string>("remo.addNode", { brokerCommand: node.brokerCommand });
    const hosts = await ui({ do: "pick", label: "Another host" });
    assert.match(hosts.labels?.[0] ?? "", new RegExp(`${node.user}@${node.host.replace(/\./g, "\\.")}[\\s\\S]*this window's host \\(Remote-SSH\\)`));
    await ui({ do: "input", text: `${node.user}@${node.host}:${node.port}` });
    await ui({ do: "input", text: node.projectPath });
    await ui({ do: "dialog", button: "Pin and Add" });
    // 127.0.0.1 is taken by the same host and path: the node keeps that name and is re-pinned;
    // binding another node asks whether to keep the first.
    assert.equal(await pending, node.host);
    const target = { name: "loopback", host: node.host, port: node.port, user: node.user, identityFile: node.identityFile, projectPath: node.projectPath, brokerCommand: node.brokerCommand };
    const second = vscode.commands.executeCommand<string>("remo.addNode", { target });
    await ui({ do: "dialog", button: "Pin and Add" });
    const keep = await ui({ do: "pick", label: `Push to ${node.host} and loopback` });
    assert.deepEqual(keep.labels?.map((l) => l.trim()), ["Push to loopback only", `Push to ${node.host} and loopback`]);
    assert.equal(await second, "loopback");
  });

  test("Push offers all nodes of the project and pushes to each in parallel, reporting per node", async () => {
    const pushesBefore = countPushes(node);
    const pending = vscode.commands.executeCommand<{ project: string; nodes: NodeRun[] }>("remo.pushSecrets");
    const pick = await ui({ do: "pick", label: "All nodes of this project" });
    assert.equal(pick.labels?.length, 3, JSON.stringify(pick.labels));
    assert.match(pick.labels[0] ?? "", /^\s*All nodes of this project/);
    // Each row is the node's name followed by its project path on the node.
    assert.deepEqual(pick.labels.slice(1).map((l) => l.trim()), [`${node.host}${node.projectPath}`, `loopback${node.projectPath}`]);
    // Approved for this window's host by the first push; loopback is a node of its own and asks.
    const approval = await ui({ do: "accept" });
    assert.match(approval.message ?? approval.title ?? "", /loopback/, JSON.stringify(approval));
    const result = await pending;
    assert.deepEqual(result.nodes.map((r) => [r.node, r.ok, r.result?.secretCount]), [[node.host, true, 2], ["loopback", true, 2]]);
    assert.equal(await waitFor("both pushes in the audit", () => countPushes(node), (c) => c >= pushesBefore + 2, 10_000), pushesBefore + 2);
    const status = await adminStatus(node);
    assert.equal(status.projects.find((p) => p.name === "remo-fixture")?.secret_count, 2);
  });

  test("Synthesize shows the diff and writes only after Apply", async () => {
    const uri = wsUri(".devcontainer", "devcontainer.json");
    const before = await readWs(".devcontainer", "devcontainer.json");
    const bare = `{\n  // edited by hand\n  "name": "remo-fixture",\n  "image": "mcr.microsoft.com/devcontainers/base:debian"\n}\n`;
    await restoreFile(uri, bare);
    try {
      const pending = vscode.commands.executeCommand<{ written: boolean; changes: string[] }>("remo.synthesizeDevcontainer");
      const diff = await ui({ do: "diff" });
      assert.match(diff.tab ?? "", /devcontainer\.json ↔ Remo's proposal/);
      assert.equal(await readWs(".devcontainer", "devcontainer.json"), bare, "nothing is written before Apply");
      const dialog = await ui({ do: "dialog", button: "Apply" });
      assert.match(dialog.text ?? "", /Apply Remo's changes/);
      const result = await pending;
      assert.equal(result.written, true);
      const after = await readWs(".devcontainer", "devcontainer.json");
      assert.ok(after.includes("// edited by hand") && after.includes("/run/remo-broker"), after);
    } finally {
      await restoreFile(uri, before);
    }
  });
});

function countPushes(node: FixtureNode): number {
  return readFileSync(node.auditFile, "utf8").split("\n").filter((l) => l.includes("\"secrets.pushed\"")).length;
}

/** Runs one `remo-broker admin <args>` on the fixture node; rejects when it exits non-zero. */
function adminCall(node: FixtureNode, args: string[]): Promise<string> {
  const [program, ...rest] = node.adminArgv;
  return new Promise<string>((resolve, reject) => {
    execFile(program!, [...rest, ...args], { timeout: 30_000 }, (err, out, stderr) => { if (err) reject(new Error(stderr)); else resolve(out); });
  });
}

async function adminStatus(node: FixtureNode): Promise<Status> {
  const [program, ...args] = node.adminArgv;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(program!, [...args, "status"], { timeout: 30_000 }, (err, out, stderr) => { if (err) reject(new Error(stderr)); else resolve(out); });
  });
  return JSON.parse(stdout) as Status;
}
