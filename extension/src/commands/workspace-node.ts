import type { NodeEntry } from "../node-registry.ts";
import { CommandError } from "./command-error.ts";
import type { CommandDeps } from "./deps.ts";

/** The workspace's node, or a CommandError that offers to add or select one. */
export function requireWorkspaceNode(deps: CommandDeps): NodeEntry {
  const entry = deps.nodes.workspaceNode();
  if (entry === undefined) {
    const n = deps.nodes.list().length;
    throw new CommandError("no_node", n === 0 ? "No node yet. Add the machine that runs your devcontainers with \"Remo: Add Node…\"." : "Choose which node this workspace pushes to with \"Remo: Select Node for This Workspace…\".");
  }
  return entry;
}
