// The audit webview: one panel owning its disposables, a strict CSP with a nonce script,
// messages checked on receipt, records fetched and tailed over the pinned SSH connection.
import * as vscode from "vscode";
import { randomBytes } from "node:crypto";
import type { AuditRecord } from "#protocol";
import { isFromWebview, type AuditFilters, type ToWebview } from "#protocol/webview";
import type { NodeEntry } from "../node/node-registry.ts";
import type { NodeClient, NodeClientDeps } from "../node/index.ts";
import { viewError } from "../ui/error-view.ts";
import { getLog } from "../log.ts";
import { filterRecords, lastFetchedBySecret } from "./audit-data.ts";
import type { AuditAlert } from "./audit-alerts.ts";

/** What the panel needs from the extension. */
export interface AuditPanelDeps {
  extensionUri: vscode.Uri;
  node: () => NodeEntry | undefined;
  project: () => Promise<string | undefined>;
  /** The project folder the panel was opened for (where Export proposes to save). */
  folderUri?: vscode.Uri;
  clientDeps: () => NodeClientDeps;
  /** Called with secret → last fetch time after each fetch (feeds the CodeLens). */
  onFetched: (lastFetched: Map<string, string>) => void;
  /** Called with each batch of records as it arrives (refresh or tail) for notifications; returns what it raised. */
  onRecords?: (records: AuditRecord[], node: string) => Promise<AuditAlert[]>;
}

const maxRecords = 5000;

/** The Remo audit panel (a singleton: showing it again reveals the existing one). */
export class AuditPanel implements vscode.Disposable {
  static readonly viewType = "remo.audit";
  private static current: AuditPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private records: AuditRecord[] = [];
  private client: NodeClient | undefined;
  private tail: { dispose(): void } | undefined;
  private disposed = false;
  private raised: AuditAlert[] = [];

  /** Shows the panel, creating it on first use. */
  static show(deps: AuditPanelDeps): AuditPanel {
    if (AuditPanel.current !== undefined) {
      // Opened again for another folder (a multi-root workspace): the panel now follows that folder's node and project.
      const reopened = AuditPanel.current;
      const moved = reopened.deps.node()?.target.name !== deps.node()?.target.name || reopened.deps.folderUri?.toString() !== deps.folderUri?.toString();
      reopened.deps = deps;
      reopened.panel.reveal();
      if (moved) {
        reopened.closeClient();
        reopened.post({ type: "tail", active: false }).then(() => reopened.refresh()).catch((e: unknown) => { getLog().warn(`audit view: ${e instanceof Error ? e.message : String(e)}`); });
      }
      return reopened;
    }
    const root = vscode.Uri.joinPath(deps.extensionUri, "dist", "webview");
    const panel = vscode.window.createWebviewPanel(AuditPanel.viewType, "Remo Audit", vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [root],
    });
    AuditPanel.current = new AuditPanel(panel, deps);
    return AuditPanel.current;
  }

  /** The open panel, if any (tests). */
  static get open(): AuditPanel | undefined {
    return AuditPanel.current;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, private deps: AuditPanelDeps) {
    panel.webview.html = renderHtml(panel.webview, deps.extensionUri);
    this.disposables.push(
      panel.onDidDispose(() => { this.dispose(); }),
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.onMessage(m); }),
    );
  }

  /** How many records the panel holds (tests). */
  get recordCount(): number {
    return this.records.length;
  }

  /** The folder and the project the panel follows (tests). */
  async following(): Promise<{ folder?: string; node?: string; project?: string }> {
    const project = await this.deps.project();
    const node = this.deps.node()?.target.name;
    return { ...(this.deps.folderUri === undefined ? {} : { folder: this.deps.folderUri.toString() }), ...(node === undefined ? {} : { node }), ...(project === undefined ? {} : { project }) };
  }

  /** Every notification the records raised while the panel was open (tests). */
  get alerts(): readonly AuditAlert[] {
    return this.raised;
  }

  private async alert(records: AuditRecord[], node: string): Promise<void> {
    const raised = await this.deps.onRecords?.(records, node);
    if (raised !== undefined) this.raised = [...this.raised, ...raised];
  }

  /** Fetches the node's audit again and sends it to the webview. */
  async refresh(): Promise<void> {
    const node = this.deps.node();
    if (node === undefined) {
      await this.post({ type: "error", message: "No node for this workspace. Run \"Remo: Add Node…\" first." });
      return;
    }
    try {
      const client = await this.connect(node);
      const records = await client.audit({ limit: maxRecords });
      this.records = records.slice(-maxRecords);
      const project = await this.deps.project();
      this.deps.onFetched(lastFetchedBySecret(this.records, project));
      await this.post({ type: "records", records: this.records, node: node.target.name, fetchedAt: new Date().toISOString(), ...(project === undefined ? {} : { project }) });
      await this.alert(this.records, node.target.name);
    } catch (e) {
      await this.post({ type: "error", message: viewError(e, node.target.name)?.message ?? "Could not read the audit." });
      this.closeClient();
    }
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isFromWebview(m)) {
      getLog().warn("audit view: ignored a malformed message from the webview");
      return;
    }
    switch (m.type) {
      case "ready":
      case "refresh":
        await this.refresh();
        return;
      case "setTail":
        await this.setTail(m.active);
        return;
      case "export":
        await this.export(m.filters);
        return;
    }
  }

  /** The webview's HTML (tests check its Content-Security-Policy). */
  get html(): string {
    return this.panel.webview.html;
  }

  /** Starts or stops following new records (the webview's "Live tail" toggle). */
  async setTail(active: boolean): Promise<void> {
    this.tail?.dispose();
    this.tail = undefined;
    const node = this.deps.node();
    if (active && node !== undefined) {
      try {
        const client = await this.connect(node);
        this.tail = client.tailAudit((records) => {
          this.records = [...this.records, ...records].slice(-maxRecords);
          this.deps.onFetched(lastFetchedBySecret(this.records, undefined));
          void this.post({ type: "append", records });
          void this.alert(records, node.target.name);
        });
      } catch (e) {
        await this.post({ type: "error", message: viewError(e, node.target.name)?.message ?? "Could not follow the audit." });
        await this.post({ type: "tail", active: false });
        return;
      }
    }
    await this.post({ type: "tail", active: this.tail !== undefined });
  }

  private async export(filters: AuditFilters): Promise<void> {
    const target = await vscode.window.showSaveDialog({
      title: "Export audit records",
      saveLabel: "Export",
      filters: { JSON: ["json"] },
      defaultUri: vscode.Uri.joinPath(this.deps.folderUri ?? vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file("/tmp"), `remo-audit-${new Date().toISOString().slice(0, 10)}.json`),
    });
    if (target === undefined) return;
    const count = await this.exportTo(target, filters);
    void vscode.window.showInformationMessage(`Exported ${count} audit records to ${vscode.workspace.asRelativePath(target)}.`);
  }

  /** Writes the records that pass `filters` (newest first) as JSON to `target`; returns how many. */
  async exportTo(target: vscode.Uri, filters: AuditFilters): Promise<number> {
    const rows = filterRecords(this.records, sanitizeFilters(filters));
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(JSON.stringify(rows, null, 2) + "\n"));
    return rows.length;
  }

  private async connect(node: NodeEntry): Promise<NodeClient> {
    if (this.client !== undefined) return this.client;
    const { NodeClient: Client } = await import("../node/index.ts");
    this.client = await Client.connect(node.target, node.pins, this.deps.clientDeps());
    if (this.disposed) this.closeClient();
    return this.client;
  }

  private closeClient(): void {
    this.tail?.dispose();
    this.tail = undefined;
    this.client?.close();
    this.client = undefined;
  }

  private async post(m: ToWebview): Promise<void> {
    if (!this.disposed) await this.panel.webview.postMessage(m);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    AuditPanel.current = undefined;
    this.closeClient();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Only known filter fields of the right type survive (the message came from a webview). */
function sanitizeFilters(f: AuditFilters): AuditFilters {
  const out: AuditFilters = {};
  for (const k of ["project", "secret", "since", "until"] as const) {
    const v = f[k];
    if (typeof v === "string" && v !== "") out[k] = v;
  }
  if (typeof f.event === "string") out.event = f.event;
  if (typeof f.outcome === "string") out.outcome = f.outcome;
  return out;
}

function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString("base64");
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "webview", "audit.js"));
  const csp = `default-src 'none'; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src ${webview.cspSource}; font-src ${webview.cspSource}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Remo Audit</title>
<style nonce="${nonce}">${styles}</style>
</head>
<body>
<header>
  <h1>Audit <span id="node"></span></h1>
  <div class="actions">
    <label class="toggle"><input type="checkbox" id="tail"> Live tail</label>
    <button id="refresh" class="secondary">Refresh</button>
    <button id="export">Export JSON…</button>
  </div>
</header>
<section class="filters" aria-label="Filters">
  <label>Project <select id="f-project"><option value="">all</option></select></label>
  <label>Secret <select id="f-secret"><option value="">all</option></select></label>
  <label>Event <select id="f-event"><option value="">all</option></select></label>
  <label>Outcome <select id="f-outcome"><option value="">all</option></select></label>
  <label>From <input type="datetime-local" id="f-since"></label>
  <label>To <input type="datetime-local" id="f-until"></label>
  <button id="clear-filters" class="secondary">Clear</button>
</section>
<div id="error" role="alert" hidden></div>
<section class="insights" aria-label="Per-secret summary">
  <div id="chart" class="chart"></div>
  <table id="secret-summary" hidden>
    <thead><tr><th>Secret</th><th>Reads</th><th>Reads per day</th><th>Last read</th><th>By whom</th><th>Refused</th></tr></thead>
    <tbody></tbody>
  </table>
</section>
<p id="summary">Loading audit records…</p>
<table id="records">
  <thead><tr><th>Time</th><th>Event</th><th>Project</th><th>Secret</th><th>Outcome</th><th>Peer</th><th>Container</th><th>Count</th></tr></thead>
  <tbody></tbody>
</table>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

const styles = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 16px; }
header { display: flex; align-items: center; justify-content: space-between; gap: 12px; position: sticky; top: 0; background: var(--vscode-editor-background); padding: 8px 0; }
h1 { font-size: 1.3em; font-weight: 600; margin: 0; }
#node { color: var(--vscode-descriptionForeground); font-weight: normal; }
.actions, .filters { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; }
.filters { padding: 8px 0 12px; border-bottom: 1px solid var(--vscode-panel-border); }
label { color: var(--vscode-descriptionForeground); display: inline-flex; align-items: center; gap: 6px; }
select, input[type=datetime-local] { background: var(--vscode-dropdown-background); color: var(--vscode-dropdown-foreground); border: 1px solid var(--vscode-dropdown-border); padding: 2px 4px; font: inherit; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 12px; cursor: pointer; font: inherit; }
button:hover { background: var(--vscode-button-hoverBackground); }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
button:focus-visible, select:focus-visible, input:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
#error { background: var(--vscode-inputValidation-errorBackground); border: 1px solid var(--vscode-inputValidation-errorBorder); padding: 6px 10px; margin-top: 10px; }
#summary { color: var(--vscode-descriptionForeground); }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: 600; border-bottom: 1px solid var(--vscode-panel-border); padding: 4px 8px; }
td { padding: 3px 8px; border-bottom: 1px solid var(--vscode-editorGroup-border); font-family: var(--vscode-editor-font-family); white-space: nowrap; }
tbody tr:hover { background: var(--vscode-list-hoverBackground); }
tr.fresh { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: var(--vscode-editor-findMatchHighlightBackground); } }
.outcome-ok { color: var(--vscode-testing-iconPassed); }
.outcome-bad { color: var(--vscode-errorForeground); }
tr.refused td { background: var(--vscode-inputValidation-errorBackground); }
tr.refused td:first-child { box-shadow: inset 3px 0 0 var(--vscode-errorForeground); }
.insights { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: flex-start; padding: 12px 0; border-bottom: 1px solid var(--vscode-panel-border); }
#secret-summary { width: auto; flex: 1 1 420px; }
.reads-chart .bar-read { fill: var(--vscode-charts-blue); }
.reads-chart .bar-refused { fill: var(--vscode-charts-red); }
.reads-chart .chart-axis { stroke: var(--vscode-panel-border); }
.reads-chart .chart-label, .reads-chart .chart-empty { fill: var(--vscode-descriptionForeground); font-size: 10px; font-family: var(--vscode-font-family); }
.reads-chart .chart-bin:hover rect { opacity: 0.8; }
`;
