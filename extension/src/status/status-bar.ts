import * as vscode from "vscode";
import { describeBrokerStatus, type BrokerStatusState } from "./broker-status.ts";

/** The Remo status bar item: node, reachability, loaded secrets, key source, last push. */
export class RemoStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: BrokerStatusState = {};
  /** The node this window's remote authority names (`host (Remote-SSH)`), if any. */
  private windowNode: string | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem("remo.status", vscode.StatusBarAlignment.Left, 50);
    this.item.name = "Remo Secrets";
    this.item.command = "remo.showBrokerStatus";
  }

  /** Merges `patch` into the shown state and re-renders. */
  update(patch: Partial<BrokerStatusState>): void {
    this.state = { ...this.state, ...patch };
    this.render();
  }

  /** Replaces the whole state (e.g. when the workspace's node changes). */
  reset(state: BrokerStatusState): void {
    this.state = state;
    this.render();
  }

  /** Records which host the window lives on; shown even before that host is added as a node. */
  setWindowNode(label: string | undefined): void {
    this.windowNode = label;
    this.render();
  }

  /** The current state (for Show Broker Status). */
  current(): BrokerStatusState {
    return this.state;
  }

  /** Shows the item (only in workspaces that use Remo). */
  show(): void {
    this.render();
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const view = describeBrokerStatus(this.state, new Date());
    const lines = [...view.lines];
    if (this.windowNode !== undefined && this.state.node === undefined) {
      view.text = `$(remote) Remo: ${this.windowNode.split(" ")[0] ?? ""} (not added)`;
      lines.splice(0, lines.length, `This window is on ${this.windowNode}. Push Secrets offers to add it as a node; so does "Remo: Add Node…".`);
    } else if (this.windowNode !== undefined) {
      lines.push(`Window: on ${this.windowNode}`);
    }
    this.item.text = view.text;
    const md = new vscode.MarkdownString(lines.map((l) => escapeMarkdown(l)).join("  \n"));
    this.item.tooltip = md;
    this.item.backgroundColor = view.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
  }
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
