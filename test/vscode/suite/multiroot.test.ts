// A multi-root workspace (test/fixtures/multiroot: Remo projects alpha and beta, and notes with no
// manifest), each project bound to its own node on the loopback sshd + broker: the Remo view has a
// row per project, a folder row's action acts on that folder's project whatever editor is active,
// and Push and Show Audit act on the active editor's folder, or ask among the projects only. Runs
// in this order: the audit view opened last stays open for the harness's webview check.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as vscode from "vscode";
import { ui } from "./ui.ts";
import { activateExtension, fixtureNode, waitFor, type FixtureNode } from "./util.ts";

interface Row { id: string; label: string; description?: string; contextValue?: string; node?: string; secret?: string; folder?: string; children?: Row[] }
interface Provider { getChildren(e?: Row): Row[] }
interface RemoViewLike { nodes: Provider; secrets: Provider; render(): Promise<unknown>; refresh(): Promise<unknown> }
interface AuditPanelLike { recordCount: number; following(): Promise<{ folder?: string; node?: string; project?: string }> }
interface PushResult { node: string; project: string; secretCount: number }
interface ShownPrompt { title: string; items: { name: string }[] }
interface Status { projects: { name: string; secret_count?: number }[] }

suite("multi-root workspace: each command acts on the right project folder", () => {
  let node: FixtureNode;
  let view: RemoViewLike;
  let shownPrompt: () => ShownPrompt | undefined;
  const folder = (name: string): vscode.WorkspaceFolder => {
    const f = vscode.workspace.workspaceFolders?.find((w) => w.name === name);
    if (f === undefined) throw new Error(`the harness opened no folder ${name}: ${JSON.stringify(vscode.workspace.workspaceFolders?.map((w) => w.name))}`);
    return f;
  };
  const openIn = async (name: string): Promise<void> => {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(folder(name).uri, "src", "main.js"));
  };

  suiteSetup(async () => {
    const ext = await activateExtension();
    const exports = ext.exports as { remoView?: RemoViewLike; shownApprovalPrompt?: () => ShownPrompt | undefined } | undefined;
    if (exports?.remoView === undefined || exports.shownApprovalPrompt === undefined) throw new Error("the extension exports no test hooks (is REMO_E2E=1 set?)");
    view = exports.remoView;
    shownPrompt = exports.shownApprovalPrompt;
    node = fixtureNode();
    assert.deepEqual(vscode.workspace.workspaceFolders?.map((f) => f.name), ["alpha", "notes", "beta"]);
    // Each project's folder on the node, beside the fixture's own project, as a checkout there would be.
    for (const [project, nodeName] of [["alpha", "north"], ["beta", "south"]] as const) {
      const path = join(dirname(node.projectPath), project);
      mkdirSync(join(path, ".devcontainer"), { recursive: true });
      writeFileSync(join(path, ".devcontainer", "remo-broker.toml"), `schema_version = 1\n\n[project]\nname = "${project}"\n\n[allowlist]\nsecrets = ["${project.toUpperCase()}_TOKEN"]\n`);
      // Add Node binds the node to the active editor's folder.
      await openIn(project);
      const target = { name: nodeName, host: node.host, port: node.port, user: node.user, identityFile: node.identityFile, projectPath: path, brokerCommand: node.brokerCommand };
      assert.equal(await vscode.commands.executeCommand<string>("remo.addNode", { target, confirm: true, add: false }), nodeName);
    }
    await vscode.commands.executeCommand("remo.setSecret", "ALPHA_TOKEN", { value: "alpha-e2e-value" });
    await vscode.commands.executeCommand("remo.setSecret", "BETA_TOKEN", { value: process.env.REMO_E2E_SECRET_VALUE ?? "beta-e2e-value" });
    await vscode.commands.executeCommand("workbench.view.extension.remo");
  });

  // The audit view stays open: the harness then checks, in the webview, that it is filtered to alpha.
  suiteTeardown(async () => {
    await vscode.commands.executeCommand("notifications.clearAll");
  });

  test("the Remo view has one row per Remo project folder, each with its own nodes and names; the plain folder has none", async () => {
    const top = await waitFor("a row per project", async () => { await view.render(); return view.nodes.getChildren(); }, (rows) => rows.length === 2 && rows.every((r) => r.contextValue === "remo.folder"));
    assert.deepEqual(top.map((r) => [r.label, r.description, r.folder]), [["alpha", "alpha", folder("alpha").uri.toString()], ["beta", "beta", folder("beta").uri.toString()]]);
    assert.deepEqual(top.map((r) => view.nodes.getChildren(r).map((c) => [c.label, c.node, c.folder])), [
      [["north", "north", folder("alpha").uri.toString()]],
      [["south", "south", folder("beta").uri.toString()]],
    ]);
    const secrets = view.secrets.getChildren();
    assert.deepEqual(secrets.map((r) => [r.label, view.secrets.getChildren(r).map((c) => c.label)]), [["alpha", ["ALPHA_TOKEN"]], ["beta", ["BETA_TOKEN"]]]);
    // On screen too: both project rows, nothing for notes.
    const shown = await waitFor("both projects on screen", () => ui({ do: "view", title: "Secrets" }), (v) => (v.labels ?? []).some((l) => l.startsWith("alpha")) && (v.labels ?? []).some((l) => l.startsWith("beta")), 30_000);
    assert.equal((shown.labels ?? []).some((l) => l.startsWith("notes")), false, JSON.stringify(shown.labels));
  });

  test("Synthesize invoked on beta's folder registers beta on beta's node while an alpha file is the active editor", async () => {
    await openIn("alpha");
    // On alpha's node (north) beta would be registered with alpha's folder, whose manifest names alpha: refused.
    const out = await vscode.commands.executeCommand<{ path: string; registered?: string } | undefined>("remo.synthesizeDevcontainer", { folder: folder("beta").uri.toString(), confirm: true });
    assert.equal(out?.path, join(folder("beta").uri.path, ".devcontainer", "devcontainer.json"));
    assert.match(out.registered ?? "(not registered)", /\/projects\/beta\/sock$/);
  });

  test("Push clicked on beta's row pushes beta's secrets to beta's node while an alpha file is the active editor", async () => {
    await openIn("alpha");
    await vscode.commands.executeCommand("workbench.view.extension.remo");
    // Collapsed, both folder rows fit in the pane whatever its height.
    await vscode.commands.executeCommand("workbench.actions.treeView.remo.nodes.collapseAll");
    const clicked = await ui({ do: "inline", title: "Nodes", row: "beta", action: "Push This Project's Secrets" });
    assert.deepEqual(clicked.labels, ["Push This Project's Secrets", "Show This Project's Audit"]);
    const prompt = await waitFor("the approval prompt", () => shownPrompt(), (p) => p !== undefined);
    assert.match(prompt!.title, /send these secrets to beta on south/);
    assert.deepEqual(prompt!.items.map((i) => i.name), ["BETA_TOKEN"]);
    await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
    const status = await waitFor("beta registered on the node", () => adminStatus(node), (s) => s.projects.some((p) => p.name === "beta" && (p.secret_count ?? 0) === 1), 30_000);
    assert.equal(status.projects.some((p) => p.name === "alpha"), false, "alpha was pushed too");
    // The view follows: beta's name is pushed to south, alpha's still waits for its first push.
    const perNode = (project: number): string | undefined => {
      const [secret] = view.secrets.getChildren(view.secrets.getChildren()[project]);
      return view.secrets.getChildren(secret)[1]?.description;
    };
    await waitFor("beta's row to say pushed", async () => { await view.render(); return perNode(1); }, (d) => d?.startsWith("approved · pushed ") === true);
    assert.equal(perNode(0), "not approved yet (the next push asks)");
  });

  test("Push from the palette pushes the active editor's project", async () => {
    await openIn("alpha");
    const pushing = Promise.resolve(vscode.commands.executeCommand<PushResult>("remo.pushSecrets"));
    const prompt = await waitFor("the approval prompt", () => shownPrompt(), (p) => p !== undefined);
    assert.match(prompt!.title, /send these secrets to alpha on north/);
    await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
    const result = await pushing;
    assert.deepEqual([result.node, result.project, result.secretCount], ["north", "alpha", 1]);
  });

  test("with no editor open, Push asks among the Remo projects only and pushes the one picked", async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    const pushing = Promise.resolve(vscode.commands.executeCommand<PushResult>("remo.pushSecrets"));
    const picked = await ui({ do: "pick", label: "beta" });
    const rows = picked.labels ?? [];
    assert.ok(rows.length === 2 && rows[0]!.startsWith("alpha") && rows[1]!.startsWith("beta"), `the pick offered ${JSON.stringify(rows)}`);
    const result = await pushing;
    assert.deepEqual([result.node, result.project], ["south", "beta"]);
  });

  test("no secret value reaches the view's rows", async () => {
    await view.refresh();
    const all = (p: Provider, rows: Row[]): Row[] => rows.flatMap((r) => [r, ...all(p, p.getChildren(r))]);
    const text = JSON.stringify([all(view.nodes, view.nodes.getChildren()), all(view.secrets, view.secrets.getChildren())]);
    const sentinel = process.env.REMO_E2E_SECRET_VALUE ?? "";
    assert.ok(sentinel === "" || !text.includes(sentinel), "a secret value reached the Remo view");
    // Refresh asked each project's node: south's row says its broker is reachable.
    const south = view.nodes.getChildren(view.nodes.getChildren()[1]).find((r) => r.node === "south");
    assert.match(south?.description ?? "", / · reachable · pushed /);
  });

  test("Show Audit opens the active editor's project's node and project; a folder row's Show Audit, that row's", async () => {
    await openIn("beta");
    const panel = await vscode.commands.executeCommand<AuditPanelLike>("remo.showAudit");
    assert.deepEqual(await panel.following(), { folder: folder("beta").uri.toString(), node: "south", project: "beta" });
    await waitFor("audit records in the panel", () => panel.recordCount, (n) => n > 0);
    await openIn("beta");
    const alphaRow = view.nodes.getChildren().find((r) => r.label === "alpha");
    const again = await vscode.commands.executeCommand<AuditPanelLike>("remo.viewShowAuditFolder", alphaRow);
    assert.deepEqual(await again.following(), { folder: folder("alpha").uri.toString(), node: "north", project: "alpha" });
    // Left open: the harness then checks in the webview that its project filter shows alpha.
  });
});

/** `remo-broker admin status` run on the node side (not through the extension). */
async function adminStatus(node: FixtureNode): Promise<Status> {
  const [program, ...args] = node.adminArgv;
  return await new Promise((resolve, reject) => {
    execFile(program!, [...args, "status"], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`admin status failed: ${stderr}`));
      else resolve(JSON.parse(stdout) as Status);
    });
  });
}
