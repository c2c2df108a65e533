// The Remo view in the activity bar: two thin TreeDataProviders (Nodes, Secrets) over the pure
// model, re-rendered on events (manifest edits, a value set or removed, a command that changed
// nodes, approvals or pushes). Nodes are asked for their status and audit only on Refresh.
import * as vscode from "vscode";
import type { CommandDeps } from "../ui/deps.ts";
import { nodeClientDeps } from "../ui/deps.ts";
import { projectName } from "../workspace/workspace-files.ts";
import { getLog } from "../log.ts";
import type { NodeEntry } from "../node/node-registry.ts";
import { applyContextKeys } from "../walkthrough/context-keys.ts";
import { gatherViewInput, type ProbeLookup } from "./view-input.ts";
import { buildWorkspaceView, fetchWindowDays, type NodeProbe, type ViewItem, type ViewOutput } from "./view-model.ts";
import { PushLog } from "./push-log.ts";

/** View ids, as contributed in package.json. */
export const nodesViewId = "remo.nodes";
export const secretsViewId = "remo.secrets";

/** Commands after which the view's state may have changed (the rest only read). */
const changingCommands = new Set([
  "remo.createManifest", "remo.setSecret", "remo.removeSecret", "remo.importDotenv", "remo.addNode", "remo.removeNode",
  "remo.repinNode", "remo.selectNode", "remo.pushSecrets", "remo.clearSecretsOnNode", "remo.reviewApprovals",
  "remo.viewSetValue", "remo.viewPush", "remo.viewPushFolder", "remo.viewRepin", "remo.synthesizeDevcontainer", "remo.showBrokerStatus",
]);

/** One section of the view. */
export class SectionProvider implements vscode.TreeDataProvider<ViewItem> {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly items: () => ViewItem[]) {}

  getChildren(element?: ViewItem): ViewItem[] {
    return element === undefined ? this.items() : element.children ?? [];
  }

  getTreeItem(e: ViewItem): vscode.TreeItem {
    const leaf = e.children === undefined || e.children.length === 0;
    const open = e.expanded === true ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const state = leaf ? vscode.TreeItemCollapsibleState.None : open;
    const item = new vscode.TreeItem(e.label, state);
    item.id = e.id;
    if (e.description !== undefined) item.description = e.description;
    if (e.tooltip !== undefined) item.tooltip = e.tooltip;
    if (e.contextValue !== undefined) item.contextValue = e.contextValue;
    if (e.icon !== undefined) item.iconPath = new vscode.ThemeIcon(e.icon, e.iconColor === undefined ? undefined : new vscode.ThemeColor(e.iconColor));
    if (e.command !== undefined) item.command = { command: e.command.command, title: e.command.title, arguments: e.command.args ?? [] };
    return item;
  }

  /** Tells VS Code to ask for the rows again. */
  fire(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The view's state and both providers. */
export class RemoView implements vscode.Disposable {
  readonly nodes: SectionProvider;
  readonly secrets: SectionProvider;
  private output: ViewOutput = { nodes: [], secrets: [], context: { hasFolder: false, hasManifest: false, hasNode: false, allValuesSet: false, pushed: false, containerFetched: false } };
  private readonly probes = new Map<string, NodeProbe>();
  private readonly pushLog: PushLog;
  private readonly disposables: { dispose(): unknown }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: Promise<void> = Promise.resolve();
  private readonly contextChanged = new vscode.EventEmitter<ViewOutput["context"]>();
  /** Fires after each render, once the context keys are set (the walkthrough's signals follow it). */
  readonly onDidChangeContext = this.contextChanged.event;

  constructor(private readonly deps: CommandDeps, private readonly env: Record<string, string | undefined> = process.env) {
    this.pushLog = new PushLog(deps.context.globalState);
    this.nodes = new SectionProvider(() => this.output.nodes);
    this.secrets = new SectionProvider(() => this.output.secrets);
    const soon = (): void => { this.update(); };
    const watchers = [".devcontainer/remo-broker.toml", ".remo/broker.toml"].map((p) => vscode.workspace.createFileSystemWatcher(`**/${p}`));
    this.disposables.push(
      this.nodes, this.secrets, this.contextChanged, ...watchers,
      vscode.window.createTreeView(nodesViewId, { treeDataProvider: this.nodes, showCollapseAll: true }),
      vscode.window.createTreeView(secretsViewId, { treeDataProvider: this.secrets, showCollapseAll: true }),
      ...watchers.flatMap((w) => [w.onDidCreate(soon), w.onDidChange(soon), w.onDidDelete(soon)]),
      vscode.workspace.onDidChangeTextDocument((e) => { if (e.document.languageId === "remo-manifest") soon(); }),
      vscode.workspace.onDidChangeWorkspaceFolders(soon),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration("remo.secretSources")) soon(); }),
      deps.secrets.onDidChange(soon),
    );
    this.update(0);
  }

  /** What the view shows now (tests and the walkthrough's keys read it). */
  current(): ViewOutput {
    return this.output;
  }

  /** Re-renders from the laptop's state (no node is asked). Resolves when the new rows are in. */
  async render(): Promise<ViewOutput> {
    this.pending = this.pending.then(async () => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      const lookup: ProbeLookup = (node, project) => this.probeWithStatusBar(node, project);
      const inputs = await Promise.all((folders.length === 0 ? [undefined] : folders).map(async (f) => await gatherViewInput(this.deps, lookup, this.pushLog, this.env, f)));
      this.output = buildWorkspaceView(inputs);
      this.nodes.fire();
      this.secrets.fire();
      await applyContextKeys(this.output.context);
      this.contextChanged.fire(this.output.context);
    }).catch((e: unknown) => { getLog().warn(`Remo view: ${e instanceof Error ? e.message : String(e)}`); });
    await this.pending;
    return this.output;
  }

  /** Refresh: asks each node of each folder for its status and that folder's project's audit, then re-renders. */
  async refresh(): Promise<ViewOutput> {
    await this.render();
    const asks = new Map<string, { entry: NodeEntry; project: string | undefined }>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const project = await projectName(folder);
      for (const entry of this.deps.nodes.folderNodes(folder.uri.toString())) asks.set(probeKey(entry.target.name, project), { entry, project });
    }
    await vscode.window.withProgress({ location: { viewId: nodesViewId } }, async () => {
      await Promise.all([...asks].map(async ([key, a]) => { this.probes.set(key, await probe(a.entry, a.project)); }));
    });
    return await this.render();
  }

  /** Called after every Remo command: records what a push sent, then re-renders when state may have changed. */
  afterCommand(id: string, result: unknown): void {
    if (!changingCommands.has(id)) return;
    if (id === "remo.pushSecrets" || id === "remo.viewPush" || id === "remo.viewPushFolder") {
      void this.pushLog.record(result, (node, project) => this.deps.nodes.get(node)?.lastPushAt[project]).then(() => { this.update(0); });
      return;
    }
    this.update(0);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }

  /** Coalesces bursts of events (typing in the manifest) into one render. */
  private update(delayMs = 250): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; void this.render(); }, delayMs);
  }

  /** The last status query of `node`: this view's own Refresh for `project`, else the status bar's (Show Broker Status, after a push) when newer. */
  private probeWithStatusBar(node: string, project: string | undefined): NodeProbe | undefined {
    const mine = this.probes.get(probeKey(node, project));
    const s = this.deps.statusBar.current();
    if (s.node !== node || s.reachable === undefined || s.checkedAt === undefined) return mine;
    if (mine !== undefined && Date.parse(mine.checkedAt) >= s.checkedAt.getTime()) return mine;
    return { ...(mine?.fetches === undefined ? {} : { fetches: mine.fetches }), checkedAt: s.checkedAt.toISOString(), ...(s.status === undefined ? {} : { status: s.status }), ...(s.error === undefined ? {} : { error: s.error }) };
  }
}

/** Probes are kept per node and project: two folders on one node read different projects' audits. */
function probeKey(node: string, project: string | undefined): string {
  return `${node}\n${project ?? ""}`;
}

/** One node's status and this project's successful fetches, each over the pinned connection; failures become rows, not errors. */
async function probe(entry: NodeEntry, project: string | undefined): Promise<NodeProbe> {
  const checkedAt = new Date().toISOString();
  const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  const { NodeClient } = await import("../node/index.ts");
  let client: InstanceType<typeof NodeClient>;
  try {
    client = await NodeClient.connect(entry.target, entry.pins, nodeClientDeps());
  } catch (e) {
    return { checkedAt, error: message(e) };
  }
  try {
    const status = await client.status();
    if (project === undefined) return { checkedAt, status };
    try {
      // Bounded in time: with an event filter the node sends the whole project's log otherwise.
      const since = new Date(Date.now() - fetchWindowDays * 86_400_000).toISOString();
      const fetches = await client.audit({ project, since, event: "secret.get", outcome: "ok", limit: 5000 });
      return { checkedAt, status, fetches };
    } catch (e) {
      return { checkedAt, status, auditError: message(e) };
    }
  } catch (e) {
    return { checkedAt, error: message(e) };
  } finally {
    client.close();
  }
}
