// The node flow against the loopback sshd + real broker started by test/vscode/fixture-node.mjs:
// Add Node (pins), Push Secrets, then the broker's status checked from the node side, a
// container-side get through the real client, the audit view and Clear Secrets.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import { restoreFile } from "./editing.test.ts";
import { remoStatusBar } from "./ui.ts";
import { activateExtension, fixtureNode, readWs, waitFor, wsUri, type FixtureNode } from "./util.ts";

/** What the suite uses of the AuditPanel the command returns. */
interface AuditPanelLike { recordCount: number; html: string; alerts: readonly { kind: string; count: number; secrets: string[]; project?: string }[]; setTail(active: boolean): Promise<void>; exportTo(target: vscode.Uri, filters: object): Promise<number> }

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

  test("Add Node pins the loopback node's host key and recipient, and the status bar names it", async () => {
    assert.equal((await remoStatusBar((s) => s.text === "Remo: no node")).text, "Remo: no node");
    const target = { name: "loopback", host: node.host, port: node.port, user: node.user, identityFile: node.identityFile, projectPath: node.projectPath, brokerCommand: node.brokerCommand };
    const name = await vscode.commands.executeCommand<string>("remo.addNode", { target, confirm: true });
    assert.equal(name, "loopback");
    const status = await vscode.commands.executeCommand<Status>("remo.showBrokerStatus", { quiet: true });
    assert.equal(typeof status.secret_count, "number");
    const bar = await remoStatusBar((s) => s.text === "Remo: loopback", true);
    assert.match(bar.tooltip ?? "", /Node: loopback/);
    assert.match(bar.tooltip ?? "", /Broker: reachable/);
  });

  test("the first push asks to approve the manifest's names, each with its source, and sends nothing before", async () => {
    const pushesBefore = auditEvents(node).filter((r) => r.event === "secrets.pushed").length;
    const pushing = Promise.resolve(vscode.commands.executeCommand("remo.pushSecrets")).then(() => undefined, (e: unknown) => e);
    const prompt = await waitForPrompt();
    assert.deepEqual(prompt.items, [
      { name: "GITHUB_TOKEN", description: "stored in VS Code secret storage", checked: true },
      { name: "NPM_TOKEN", description: "no value on this laptop yet", checked: true },
    ]);
    assert.match(prompt.title, /send these secrets to remo-fixture on loopback/);
    assert.equal(auditEvents(node).filter((r) => r.event === "secrets.pushed").length, pushesBefore, "something was sent before the approval");
    assert.equal((await adminStatus(node)).projects.some((p) => p.name === "remo-fixture"), false, "registered before the approval");
    await acceptPrompt();
    // Approved; the push then stops at the missing value, naming it.
    const e = await pushing;
    assert.ok(e instanceof Error, String(e));
    assert.match(e.message, /NPM_TOKEN/);
    const approvals = await vscode.commands.executeCommand<{ node: string; project: string; names: string[] }[]>("remo.reviewApprovals", { quiet: true });
    assert.deepEqual(approvals.map((a) => [a.node, a.project, a.names]), [["loopback", "remo-fixture", ["GITHUB_TOKEN", "NPM_TOKEN"]]]);
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

  test("a manifest edit adding a name asks again, naming only it, and nothing is sent until it is approved", async () => {
    await vscode.commands.executeCommand("remo.setSecret", "EXTRA_TOKEN", { value: "extra-e2e-value" });
    await restoreFile(manifestUri, validManifest.replace(`"NPM_TOKEN"]`, `"NPM_TOKEN", "EXTRA_TOKEN"]`));
    const pushesBefore = auditEvents(node).filter((r) => r.event === "secrets.pushed").length;
    try {
      // Dismissed: nothing is approved and nothing is sent.
      const dismissed = Promise.resolve(vscode.commands.executeCommand("remo.pushSecrets")).then(() => undefined, (e: unknown) => e);
      const prompt = await waitForPrompt();
      assert.deepEqual(prompt.items.map((i) => [i.name, i.description]), [["EXTRA_TOKEN", "stored in VS Code secret storage"]]);
      assert.match(prompt.title, /remo-fixture's manifest asks for 1 more secret\(s\) on loopback/);
      await vscode.commands.executeCommand("workbench.action.closeQuickOpen");
      assert.match(String(await dismissed), /cancelled/);
      assert.equal(auditEvents(node).filter((r) => r.event === "secrets.pushed").length, pushesBefore, "a dismissed approval sent something");

      const pushing = Promise.resolve(vscode.commands.executeCommand<{ secretCount: number; approved: string[] }>("remo.pushSecrets"));
      assert.deepEqual((await waitForPrompt()).items.map((i) => i.name), ["EXTRA_TOKEN"]);
      assert.equal(auditEvents(node).filter((r) => r.event === "secrets.pushed").length, pushesBefore, "sent while the prompt was open");
      await acceptPrompt();
      const result = await pushing;
      assert.deepEqual({ count: result.secretCount, approved: result.approved }, { count: 3, approved: ["GITHUB_TOKEN", "NPM_TOKEN", "EXTRA_TOKEN"] });
      // The broker writes audit records in 20 ms batches: wait for the record, then check the count.
      const pushes = await waitFor("the push in the audit", () => auditEvents(node).filter((r) => r.event === "secrets.pushed").length, (c) => c >= pushesBefore + 1, 10_000);
      assert.equal(pushes, pushesBefore + 1);
    } finally {
      // Narrowing back needs no approval; the later pushes send the two names again.
      await restoreFile(manifestUri, validManifest);
      await vscode.commands.executeCommand("remo.removeSecret", "EXTRA_TOKEN");
    }
    const narrowed = await vscode.commands.executeCommand<{ secretCount: number; approved: string[] }>("remo.pushSecrets");
    assert.deepEqual({ count: narrowed.secretCount, approved: narrowed.approved }, { count: 2, approved: ["GITHUB_TOKEN", "NPM_TOKEN"] });
  });

  test("a container-side get through the real client returns the pushed value", async () => {
    const status = await adminStatus(node);
    const socket = status.projects.find((p) => p.name === "remo-fixture")!.socket_path;
    const { stdout } = await run(process.execPath, [join(node.repoRoot, "dist", "remo-secrets.js"), "--socket", socket, "get", "GITHUB_TOKEN"]);
    // Compare without printing: the value is a sentinel the runner scans every log for.
    assert.ok(stdout.trim() === (process.env.REMO_E2E_SECRET_VALUE ?? "e2e-value"), "the container got a different GITHUB_TOKEN value");
  });

  test("Show Audit opens the panel with the node's records, under a strict CSP", async () => {
    const panel = await vscode.commands.executeCommand<AuditPanelLike>("remo.showAudit");
    await waitFor("audit records in the panel", () => panel.recordCount, (n) => n > 0);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(panel.html)?.[1] ?? "";
    assert.match(csp, /^default-src 'none'; /);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce !== undefined && nonce.length >= 16, csp);
    const scripts = [...panel.html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(scripts.map((t) => t.includes(`nonce="${nonce}"`)), [true]);
  });

  test("the audit view exports the filtered records as JSON", async () => {
    const panel = await vscode.commands.executeCommand<AuditPanelLike>("remo.showAudit");
    const target = wsUri("audit-export.json");
    const count = await panel.exportTo(target, { event: "secret.get", secret: "GITHUB_TOKEN" });
    const rows = JSON.parse(await readWs("audit-export.json")) as { event: string; secret?: string; project?: string; outcome?: string }[];
    await vscode.workspace.fs.delete(target);
    assert.equal(rows.length, count);
    assert.ok(count >= 1);
    assert.deepEqual([...new Set(rows.map((r) => `${r.event} ${r.secret ?? ""} ${r.project ?? ""} ${r.outcome ?? ""}`))], ["secret.get GITHUB_TOKEN remo-fixture ok"]);
  });

  test("Synthesize registers the project on the workspace's node", async () => {
    const result = await vscode.commands.executeCommand<{ written: boolean; registered?: string }>("remo.synthesizeDevcontainer", { confirm: true });
    assert.equal(result.written, false, "devcontainer.json was synthesized earlier");
    const status = await adminStatus(node);
    assert.equal(result.registered, status.projects.find((p) => p.name === "remo-fixture")?.socket_path);
  });

  test("the audit view's live tail follows new records from the node", async () => {
    const panel = await vscode.commands.executeCommand<AuditPanelLike>("remo.showAudit");
    await panel.setTail(true);
    const before = panel.recordCount;
    // A container fetch on the node writes a new audit record.
    const status = await adminStatus(node);
    const socket = status.projects.find((p) => p.name === "remo-fixture")!.socket_path;
    await run(process.execPath, [join(node.repoRoot, "dist", "remo-secrets.js"), "--socket", socket, "get", "NPM_TOKEN"]);
    await waitFor("the tailed record", () => panel.recordCount, (n) => n > before);
    await panel.setTail(false);
  });

  test("a burst of refused reads from a container raises one notification, not one per refusal", async () => {
    const panel = await vscode.commands.executeCommand<AuditPanelLike>("remo.showAudit");
    await panel.setTail(true);
    const status = await adminStatus(node);
    const socket = status.projects.find((p) => p.name === "remo-fixture")!.socket_path;
    // A container probing for a name its allowlist does not grant: each get is refused.
    const probe = async (): Promise<void> => {
      for (let i = 0; i < 12; i++) await run(process.execPath, [join(node.repoRoot, "dist", "remo-secrets.js"), "--socket", socket, "get", "PROBED_TOKEN"]).catch(() => undefined);
    };
    await probe();
    const bursts = (): { kind: string; count: number; secrets: string[]; project?: string }[] => panel.alerts.filter((a) => a.kind === "denial_burst");
    const [burst] = await waitFor("the denial-burst notification", bursts, (b) => b.length >= 1, 15_000);
    assert.ok(burst !== undefined && burst.count >= 10 && burst.secrets.includes("PROBED_TOKEN"), JSON.stringify(burst));
    assert.equal(burst.project, "remo-fixture", "the alert is scoped to this project even while its manifest has errors");
    // The container keeps at it: the records reach the panel, the notification is not repeated.
    const before = panel.recordCount;
    await probe();
    // The broker writes the first refusal of a run and then one aggregated record with its count.
    await waitFor("the second probe's records", () => panel.recordCount, (n) => n >= before + 2, 15_000);
    assert.equal(bursts().length, 1, JSON.stringify(panel.alerts));
    await panel.setTail(false);
  });

  test("a changed host key or recipient refuses the push and nothing reaches the broker", async () => {
    const before = await adminStatus(node);
    const pushesBefore = auditEvents(node).filter((r) => r.event === "secrets.pushed").length;
    const target = { name: "loopback", host: node.host, port: node.port, user: node.user, identityFile: node.identityFile, projectPath: node.projectPath, brokerCommand: node.brokerCommand };
    const wrong = [
      { pins: { hostKeySha256: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", recipient: node.recipient }, code: "host_key_changed" },
      { pins: { hostKeySha256: node.hostKeySha256, recipient: "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq" }, code: "recipient_changed" },
    ];
    for (const w of wrong) {
      // Stands for a node whose key changed after it was pinned.
      await vscode.commands.executeCommand("remo.addNode", { target, confirm: true, pins: w.pins });
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand("remo.pushSecrets")), (e: unknown) => {
        assert.equal((e as { code?: unknown }).code, w.code);
        return true;
      });
    }
    const after = await adminStatus(node);
    assert.deepEqual(after.projects.map((p) => [p.name, p.secret_count]), before.projects.map((p) => [p.name, p.secret_count]));
    assert.equal(auditEvents(node).filter((r) => r.event === "secrets.pushed").length, pushesBefore, "no bundle reached the broker");
    // Re-pin reads the real key and recipient again; pushing works afterwards.
    assert.equal(await vscode.commands.executeCommand("remo.repinNode", "loopback", { confirm: true }), "loopback");
    const again = await vscode.commands.executeCommand<{ secretCount: number }>("remo.pushSecrets");
    assert.equal(again.secretCount, 2);
  });

  test("a value can come from a command in user settings; a workspace setting can never run one", async () => {
    const marker = join(tmpdir(), `remo-e2e-workspace-command-${process.pid}`);
    rmSync(marker, { force: true });
    const evil = { command: [process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(marker)}, "ran")`] };
    // A repository's own settings try to supply GITHUB_TOKEN and NPM_TOKEN through a command.
    await vscode.workspace.fs.writeFile(wsUri(".vscode", "settings.json"), new TextEncoder().encode(JSON.stringify({ "remo.secretSources": { GITHUB_TOKEN: evil, NPM_TOKEN: evil } })));
    const remo = vscode.workspace.getConfiguration("remo");
    await remo.update("secretSources", { NPM_TOKEN: { command: [process.execPath, "-e", "process.stdout.write('from-user-command\\n')"] } }, vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand("remo.removeSecret", "NPM_TOKEN");
      const listed = await vscode.commands.executeCommand<{ name: string; stored: boolean; source?: string }[]>("remo.listSecrets", { quiet: true });
      assert.deepEqual(listed.filter((r) => r.name === "NPM_TOKEN" || r.name === "GITHUB_TOKEN").map((r) => [r.name, r.stored, r.source]),
        [["GITHUB_TOKEN", true, undefined], ["NPM_TOKEN", false, `command ${process.execPath}`]]);
      const pushed = await vscode.commands.executeCommand<{ secretCount: number }>("remo.pushSecrets");
      assert.equal(pushed.secretCount, 2);
      const status = await adminStatus(node);
      const socket = status.projects.find((p) => p.name === "remo-fixture")!.socket_path;
      const { stdout } = await run(process.execPath, [join(node.repoRoot, "dist", "remo-secrets.js"), "--socket", socket, "get", "NPM_TOKEN"]);
      assert.equal(stdout.trim(), "from-user-command");
      assert.equal(existsSync(marker), false, "a workspace setting ran a command");
    } finally {
      await remo.update("secretSources", undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace.fs.delete(wsUri(".vscode"), { recursive: true });
      await vscode.commands.executeCommand("remo.setSecret", "NPM_TOKEN", { value: "npm-e2e-value" });
    }
  });

  test("Install Broker uploads the bundled broker and runs its installer (into a scratch root)", async () => {
    const root = mkdtempSync(join(tmpdir(), "remo-install-root-"));
    try {
      const log = await vscode.commands.executeCommand<string>("remo.installBrokerOnNode", "loopback", { confirm: true, env: { REMO_ROOT: root, REMO_SYSTEMD_CREDS: "none", REMO_NO_SYSTEMCTL: "1" } });
      assert.match(log, /remo-broker install: /);
      for (const f of ["usr/local/lib/remo-broker/remo-broker.js", "usr/lib/sysusers.d/remo-broker.conf", "etc/systemd/system/remo-broker.service"]) {
        assert.ok(existsSync(join(root, f)), `${f} not installed; log:\n${log}`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("a revoked approval is asked for again before the next push sends anything", async () => {
    const left = await vscode.commands.executeCommand<unknown[]>("remo.reviewApprovals", { revoke: { node: "loopback", project: "remo-fixture" } });
    assert.deepEqual(left, []);
    const pushesBefore = auditEvents(node).filter((r) => r.event === "secrets.pushed").length;
    const pushing = Promise.resolve(vscode.commands.executeCommand<{ secretCount: number }>("remo.pushSecrets"));
    assert.deepEqual((await waitForPrompt()).items.map((i) => i.name), ["GITHUB_TOKEN", "NPM_TOKEN"]);
    assert.equal(auditEvents(node).filter((r) => r.event === "secrets.pushed").length, pushesBefore, "sent while the prompt was open");
    await acceptPrompt();
    assert.equal((await pushing).secretCount, 2);
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

/** What the extension's approval prompt shows (its test-mode exports). */
interface ShownPrompt { title: string; placeholder: string; items: { name: string; description: string; checked: boolean }[] }

/** Waits until the approval prompt is open in the window and returns what it shows. */
async function waitForPrompt(): Promise<ShownPrompt> {
  const ext = await activateExtension();
  const exports = ext.exports as { shownApprovalPrompt?: () => ShownPrompt | undefined } | undefined;
  if (exports?.shownApprovalPrompt === undefined) throw new Error("the extension exports no shownApprovalPrompt (is REMO_E2E=1 set?)");
  const shown = exports.shownApprovalPrompt;
  return (await waitFor("the approval prompt", () => shown(), (p) => p !== undefined))!;
}

/** Accepts the open quick pick through the workbench, as pressing Enter in it does. */
async function acceptPrompt(): Promise<void> {
  await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
}

/** The broker's audit records, read from its audit file on the node side. */
function auditEvents(node: FixtureNode): { event: string; outcome?: string }[] {
  return readFileSync(node.auditFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as { event: string; outcome?: string });
}

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
