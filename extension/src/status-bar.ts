import * as vscode from "vscode";
import { describeBrokerStatus, type BrokerStatusState } from "./broker-status.ts";

/** The Remo status bar item: node, reachability, loaded secrets, key source, last push. */
export class RemoStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: BrokerStatusState = {};

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
    this.item.text = view.text;
    const md = new vscode.MarkdownString(view.lines.map((l) => escapeMarkdown(l)).join("  \n"));
    this.item.tooltip = md;
    this.item.backgroundColor = view.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
  }
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
