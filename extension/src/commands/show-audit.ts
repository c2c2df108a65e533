import { openAuditPanel } from "../audit-view/open-audit.ts";
import type { AuditPanel } from "../audit-view/audit-panel.ts";
import type { CommandDeps } from "../ui/deps.ts";
import { resolveFolder } from "../workspace/workspace-files.ts";
import { requireWorkspaceNode } from "../workspace/workspace-node.ts";

/** Remo: Show Audit — opens (or reveals) the audit webview for the node of the project folder it acts on. */
export async function showAudit(deps: CommandDeps, invokedOn?: unknown): Promise<AuditPanel> {
  const folder = await resolveFolder({ need: "project", invoked: invokedOn, placeHolder: "Show the audit of which project?" });
  requireWorkspaceNode(deps, folder);
  return await openAuditPanel(deps, () => deps.nodes.workspaceNode(folder.uri.toString()), folder);
}
