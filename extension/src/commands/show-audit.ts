import * as vscode from "vscode";
import type { AuditPanel } from "../audit-view/audit-panel.ts";
import { nodeClientDeps, type CommandDeps } from "../ui/deps.ts";
import { requireWorkspaceNode } from "../workspace/workspace-node.ts";
import { findManifest } from "../workspace/workspace-files.ts";

/** Remo: Show Audit — opens (or reveals) the audit webview for the workspace's node. */
export async function showAudit(deps: CommandDeps): Promise<AuditPanel> {
  requireWorkspaceNode(deps);
  // The panel's code is evaluated on first use, not at activation.
  const { AuditPanel: Panel } = await import("../audit-view/audit-panel.ts");
  return Panel.show({
    extensionUri: deps.context.extensionUri,
    node: () => deps.nodes.workspaceNode(),
    project: async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      return folder === undefined ? undefined : (await findManifest(folder))?.manifest?.project.name;
    },
    clientDeps: nodeClientDeps,
    onFetched: (m) => {
      deps.lastFetched.clear();
      for (const [k, v] of m) deps.lastFetched.set(k, v);
      deps.publishSecretState();
    },
  });
}
