// The Remo view and the walkthrough as a user meets them, after node.test.ts added the loopback
// node, pushed and read a secret from the node: the rows from the provider and as the browser
// renders them, an inline action clicked in the browser, the welcome content, the walkthrough's
// steps already done ticked on opening it, and a step that completes when its state becomes true.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { restoreFile } from "./editing.test.ts";
import { ui, uiAvailable } from "./ui.ts";
import { activateExtension, readWs, waitFor, wsUri } from "./util.ts";

/** The rows the providers give (the extension's ViewItem, as far as the suite reads it). */
interface Row { id: string; label: string; description?: string; contextValue?: string; node?: string; secret?: string; children?: Row[] }
interface ViewContext { hasFolder: boolean; hasManifest: boolean; hasNode: boolean; allValuesSet: boolean; pushed: boolean; containerFetched: boolean }
interface Provider { getChildren(e?: Row): Row[] }
interface RemoViewLike { nodes: Provider; secrets: Provider; render(): Promise<{ context: ViewContext }>; current(): { context: ViewContext } }

const validManifest = `schema_version = 1

[project]
name = "remo-fixture"

[allowlist]
secrets = ["GITHUB_TOKEN", "NPM_TOKEN"]
`;

interface Step { id: string; completionEvents: string[]; media: { markdown?: string } }

suite("Remo view and walkthrough", () => {
  const manifestUri = wsUri(".devcontainer", "remo-broker.toml");
  let original = "";
  let view: RemoViewLike;
  let ext: vscode.Extension<unknown>;

  suiteSetup(async function () {
    if (!uiAvailable()) this.skip();
    ext = await activateExtension();
    const exports = ext.exports as { remoView?: RemoViewLike } | undefined;
    if (exports?.remoView === undefined) throw new Error("the extension exports no remoView (is REMO_E2E=1 set?)");
    view = exports.remoView;
    original = await readWs(".devcontainer", "remo-broker.toml");
    await restoreFile(manifestUri, validManifest);
    await vscode.commands.executeCommand("workbench.view.extension.remo");
  });

  suiteTeardown(async () => {
    if (original === "") return;
    await restoreFile(manifestUri, original);
    await vscode.commands.executeCommand("remo.setSecret", "NPM_TOKEN", { value: "npm-e2e-value" });
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.commands.executeCommand("workbench.view.explorer");
  });

  test("the view lists the node and the manifest's names with their values, in the provider and on screen", async () => {
    await vscode.commands.executeCommand("remo.removeSecret", "NPM_TOKEN");
    const secrets = await waitFor("NPM_TOKEN without a value", () => view.secrets.getChildren(), (rows) => rows.find((r) => r.label === "NPM_TOKEN")?.description?.startsWith("no value") === true);
    assert.deepEqual(secrets.map((r) => [r.label, r.description?.split(" · ")[0], r.contextValue]), [["GITHUB_TOKEN", "set", "remo.secret"], ["NPM_TOKEN", "no value", "remo.secret"]]);
    const nodes = view.nodes.getChildren();
    assert.deepEqual(nodes.map((n) => [n.label, n.contextValue]), [["loopback", "remo.node"]]);
    assert.match(nodes[0]!.description ?? "", /^\w+@127\.0\.0\.1:\d+ · .* · pushed \d+ (s|min) ago$/);
    assert.deepEqual(view.nodes.getChildren(nodes[0]).map((r) => r.label).slice(0, 3), ["Host", "Host key", "Broker key"]);
    // Approved for loopback and pushed by node.test.ts: the per-node row says so.
    assert.match(view.secrets.getChildren(secrets[0]).find((r) => r.node === "loopback")?.description ?? "", /^approved · pushed /);
    // No secret value in any row: the sentinel the suite stored as GITHUB_TOKEN is nowhere.
    const sentinel = process.env.REMO_E2E_SECRET_VALUE ?? "";
    const all = JSON.stringify([secrets.map((s) => view.secrets.getChildren(s)), nodes.map((n) => view.nodes.getChildren(n)), secrets, nodes]);
    assert.ok(sentinel === "" || !all.includes(sentinel), "a secret value reached the Remo view");

    // The browser renders the provider's new rows a moment after they changed (the suite before
    // left a broken manifest's error row): wait for them on screen.
    const shown = await waitFor("the manifest's names on screen", () => ui({ do: "view", title: "Secrets" }), (v) => firstNames(v.labels ?? []).join() === "GITHUB_TOKEN,NPM_TOKEN", 30_000);
    assert.match(shown.labels?.[1] ?? "", /no value/);
    const shownNodes = await ui({ do: "view", title: "Nodes" });
    assert.match(shownNodes.labels?.[0] ?? "", /loopback/);
  });

  test("Set Value clicked on a row asks in a password box, and the row and remo.allValuesSet flip", async () => {
    assert.equal((await view.render()).context.allValuesSet, false);
    const clicked = await ui({ do: "inline", title: "Secrets", row: "NPM_TOKEN", action: "Set Value" });
    assert.deepEqual(clicked.labels, ["Set Value…"]);
    const box = await ui({ do: "input", text: "npm-e2e-value" });
    assert.equal(box.type, "password");
    await waitFor("NPM_TOKEN set in the view", () => view.secrets.getChildren().find((r) => r.label === "NPM_TOKEN")?.description ?? "", (d) => d.startsWith("set · SecretStorage"));
    await waitFor("remo.allValuesSet", () => view.current().context.allValuesSet, (v) => v);
  });

  test("a node row's inline actions are Push, Show Audit and Re-pin; Show Audit opens that node's audit, Push pushes to it", async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    const clicked = await ui({ do: "inline", title: "Nodes", row: "loopback", action: "Show Audit" });
    assert.deepEqual(clicked.labels, ["Push Secrets to This Node", "Show Audit of This Node", "Re-pin This Node…"]);
    await waitFor("the audit panel", () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label), (tabs) => tabs.includes("Remo Audit"));
    // Push on the row pushes to that node (approved names, values set: nothing to ask).
    const lastPush = (): string | undefined => view.nodes.getChildren(view.nodes.getChildren()[0]).find((r) => r.label === "Last push")?.description;
    const before = lastPush();
    await ui({ do: "inline", title: "Nodes", row: "loopback", action: "Push Secrets to This Node" });
    const after = await waitFor("a new push in the view", lastPush, (d) => d !== before);
    assert.match(after ?? "", /^\d+ s ago \(/);
  });

  test("without a manifest the Secrets view shows the welcome with Create Manifest (remo.hasManifest), and the rows return with it", async () => {
    await vscode.workspace.fs.delete(manifestUri);
    try {
      await waitFor("remo.hasManifest false", () => view.current().context.hasManifest, (v) => !v);
      const shown = await waitFor("the welcome content", async () => (await ui({ do: "view", title: "Secrets" })).text ?? "", (t) => t.includes("Create Manifest"));
      assert.match(shown, /no secret manifest yet/);
    } finally {
      await restoreFile(manifestUri, validManifest);
    }
    await waitFor("remo.hasManifest true", () => view.current().context.hasManifest, (v) => v);
    const back = await waitFor("the rows", async () => (await ui({ do: "view", title: "Secrets" })).labels ?? [], (l) => l.length === 2);
    assert.deepEqual(firstNames(back), ["GITHUB_TOKEN", "NPM_TOKEN"]);
  });

  test("Get Started opens the walkthrough with the steps already done ticked, and Open the Container completes when Refresh finds a container's read", async () => {
    const pkg = ext.packageJSON as { contributes: { walkthroughs: { id: string; steps: Step[] }[] } };
    const [walk] = pkg.contributes.walkthroughs;
    assert.equal(walk?.id, "remo.gettingStarted");
    assert.deepEqual(walk.steps.map((s) => s.id), ["installBroker", "createManifest", "setValues", "addNode", "synthesize", "push", "openContainer"]);
    for (const s of walk.steps) {
      assert.ok(s.completionEvents.length > 0, `${s.id} never completes`);
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(ext.extensionUri, s.media.markdown ?? "missing"));
    }
    // The manifest, the node, every value and a push were all there before the walkthrough was
    // first opened (which is when this VS Code registers it): those steps are ticked on opening.
    const ctx = view.current().context;
    assert.deepEqual([ctx.hasManifest, ctx.hasNode, ctx.allValuesSet, ctx.pushed], [true, true, true, true]);
    await vscode.commands.executeCommand("remo.getStarted");
    const step = (labels: string[] | undefined, id: string): string | undefined => labels?.find((l) => l.split("=")[0]!.endsWith(id))?.split("=")[1];
    const done = ["installBroker", "createManifest", "setValues", "addNode", "push"];
    const before = await waitFor("the done steps checked", async () => (await ui({ do: "walkthrough" })).labels ?? [], (l) => l.length === 7 && done.every((id) => step(l, id) === "true"), 30_000);
    assert.deepEqual(before.map((l) => l.split("=")[0]!.split("#").pop()), walk.steps.map((s) => s.id));
    // A container read GITHUB_TOKEN in node.test.ts, but the view has not asked the node yet.
    assert.equal(view.current().context.containerFetched, false);
    assert.equal(step(before, "openContainer"), "false", JSON.stringify(before));

    await vscode.commands.executeCommand("remo.refreshView");
    assert.equal(view.current().context.containerFetched, true);
    const fetched = view.secrets.getChildren(view.secrets.getChildren().find((r) => r.label === "GITHUB_TOKEN")).find((r) => r.node === "loopback");
    assert.match(fetched?.description ?? "", / · fetched \d+ (s|min) ago by /);
    await waitFor("Open the Container checked", async () => step((await ui({ do: "walkthrough" })).labels, "openContainer"), (v) => v === "true");

    // The README's picture: the view after Refresh, with the node's status and the audit's last reads.
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.commands.executeCommand("workbench.view.extension.remo");
    const nodeRows = await waitFor("the node's broker row", async () => (await ui({ do: "view", title: "Nodes" })).labels ?? [], (l) => l.some((r) => r.includes("reachable, version")));
    assert.ok(nodeRows.some((r) => r.startsWith("Key source")), JSON.stringify(nodeRows));
    await vscode.commands.executeCommand("notifications.clearAll");
    // One secret opened to show its per-node row, the side bar wide enough for the descriptions.
    assert.deepEqual((await ui({ do: "row", title: "Secrets", row: "GITHUB_TOKEN" })).labels, ["true"]);
    const pictured = await ui({ do: "view", title: "Secrets", screenshot: "remo-view.png", sidebarWidth: 820 });
    assert.ok(pictured.labels?.some((l) => l.startsWith("loopback") && l.includes("fetched")), JSON.stringify(pictured.labels));
  });
});

/** The secret name each rendered row starts with (a row's text runs label and description together). */
function firstNames(rows: string[]): (string | undefined)[] {
  return rows.map((l) => ["GITHUB_TOKEN", "NPM_TOKEN"].find((n) => l.startsWith(n)));
}
