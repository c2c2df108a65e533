// The Remo view's inline actions: each takes the row it was clicked on and runs the existing
// command for that row's secret or node, so prompts and checks stay in one place.
import type { AuditPanel } from "../audit-view/audit-panel.ts";
import { openAuditPanel } from "../audit-view/open-audit.ts";
import { CommandError } from "../ui/command-error.ts";
import type { CommandDeps } from "../ui/deps.ts";
import { resolveFolder } from "../workspace/workspace-files.ts";

/** The field of a clicked row (a ViewItem), or a plain string argument. */
export function rowField(row: unknown, field: "node" | "secret" | "folder"): string | undefined {
  if (typeof row === "string") return field === "folder" ? undefined : row;
  if (typeof row !== "object" || row === null) return undefined;
  const v = (row as Record<string, unknown>)[field];
  return typeof v === "string" ? v : undefined;
}

/**
 * Show Audit on a node or folder row: the audit panel for that node (the row's folder's first
 * node for a folder row), filtered to the row's folder's project.
 */
export async function showAuditFor(deps: CommandDeps, row: unknown): Promise<AuditPanel> {
  const folder = await resolveFolder({ need: "project", invoked: row, placeHolder: "Show the audit of which project?" });
  const name = typeof row === "string" ? row : rowField(row, "node");
  const entry = name === undefined ? deps.nodes.workspaceNode(folder.uri.toString()) : deps.nodes.get(name);
  if (entry === undefined) throw new CommandError("no_node", name === undefined ? `${folder.name} has no node yet. Add one with "Remo: Add Node…".` : `There is no node called ${name} any more. Refresh the Remo view.`);
  return await openAuditPanel(deps, () => deps.nodes.get(entry.target.name), folder);
}
