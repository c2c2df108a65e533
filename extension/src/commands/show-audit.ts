import { AuditPanel } from "../audit-view/audit-panel.ts";
import { notifyAuditAlerts } from "../audit-view/audit-notify.ts";
import { nodeClientDeps, type CommandDeps } from "./deps.ts";
import { requireWorkspaceNode } from "./workspace-node.ts";
import { findManifest } from "./workspace.ts";
import * as vscode from "vscode";

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
    onRecords: async (records, node) => notifyAuditAlerts(records, node, await project()),
    clientDeps: nodeClientDeps,
    onFetched: (m) => {
      deps.lastFetched.clear();
      for (const [k, v] of m) deps.lastFetched.set(k, v);
      deps.publishSecretState();
    },
  });
  return Promise.resolve(panel);
}
