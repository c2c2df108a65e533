import { AuditPanel } from "../audit-view/audit-panel.ts";
import { notifyAuditAlerts } from "../audit-view/audit-notify.ts";
import { nodeClientDeps, type CommandDeps } from "./deps.ts";
import { requireWorkspaceNode } from "./workspace-node.ts";
import { findManifest } from "./workspace.ts";
import * as vscode from "vscode";
import { projectNamePattern } from "#protocol";

/** Remo: Show Audit — opens (or reveals) the audit webview for the workspace's node. */
export function showAudit(deps: CommandDeps): Promise<AuditPanel> {
  requireWorkspaceNode(deps);
  const project = async (): Promise<string | undefined> => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder === undefined ? undefined : (await findManifest(folder))?.manifest?.project.name;
  };
  const panel = AuditPanel.show({
    extensionUri: deps.context.extensionUri,
    node: () => deps.nodes.workspaceNode(),
    project,
    // A manifest with errors still names its project by its folder (the broker's project name),
    // so its alerts never count another project's refusals.
    onRecords: async (records, node) => notifyAuditAlerts(records, node, await project() ?? folderProject()),
    clientDeps: nodeClientDeps,
    onFetched: (m) => {
      deps.lastFetched.clear();
      for (const [k, v] of m) deps.lastFetched.set(k, v);
      deps.publishSecretState();
    },
  });
  return Promise.resolve(panel);
}

/** The first workspace folder's name when it is a valid project name (what the broker registered). */
function folderProject(): string | undefined {
  const name = vscode.workspace.workspaceFolders?.[0]?.name;
  return name !== undefined && projectNamePattern.test(name) ? name : undefined;
}
