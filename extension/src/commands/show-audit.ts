import { openAuditPanel } from "../audit-view/open-audit.ts";
import type { AuditPanel } from "../audit-view/audit-panel.ts";
import type { CommandDeps } from "../ui/deps.ts";
import { requireWorkspaceNode } from "../workspace/workspace-node.ts";

/** Remo: Show Audit — opens (or reveals) the audit webview for the workspace's node. */
export async function showAudit(deps: CommandDeps): Promise<AuditPanel> {
  requireWorkspaceNode(deps);
  return await openAuditPanel(deps, () => deps.nodes.workspaceNode());
}
