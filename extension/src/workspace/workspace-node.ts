// Which node(s) a workspace folder pushes to, and which node its window lives on.
import * as vscode from "vscode";
import type { NodeEntry } from "../node/node-registry.ts";
import { windowNodeFromUri, type WindowLocation } from "../node/remote-authority.ts";
import { CommandError } from "../ui/command-error.ts";
import { isTestMode, type CommandDeps } from "../ui/deps.ts";

/** The node of `folder` (the current folder's when omitted), or a CommandError that offers to add or select one. */
export function requireWorkspaceNode(deps: CommandDeps, folder?: vscode.WorkspaceFolder): NodeEntry {
  const entry = folder === undefined ? deps.nodes.workspaceNode() : deps.nodes.workspaceNode(folder.uri.toString());
  if (entry === undefined) {
    const n = deps.nodes.list().length;
    throw new CommandError("no_node", n === 0 ? "No node yet. Add the machine that runs your devcontainers with \"Remo: Add Node…\"." : "Choose which node this workspace pushes to with \"Remo: Select Node for This Workspace…\".");
  }
  return entry;
}

/**
 * The folder the node registry and the status bar mean when no folder is given: the active
 * editor's, else the first. Commands that act on a project resolve their folder instead
 * (resolveFolder), so a multi-root workspace never pushes for the first folder silently.
 */
export function currentFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active === undefined ? undefined : vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
}

/** {@link currentFolder}'s URI as the node registry keys folders. */
export function currentFolderUri(): string | undefined {
  return currentFolder()?.uri.toString();
}

/**
 * Where a folder's window lives. Under the test harness `REMO_E2E_WINDOW_URI` stands for the
 * folder's URI, because the harness cannot open a real Remote-SSH window.
 */
export function windowLocation(folder: vscode.WorkspaceFolder | undefined): WindowLocation {
  const fake = isTestMode() ? process.env.REMO_E2E_WINDOW_URI : undefined;
  const uri = fake !== undefined && fake !== "" ? vscode.Uri.parse(fake) : folder?.uri;
  if (uri === undefined) return { kind: "none", reason: "local", message: "No folder is open." };
  return windowNodeFromUri(uri);
}

/** What the window's remote authority proposes for a node, when it names one. */
export interface WindowProposal { alias: string; user?: string; port?: number; projectPath?: string; via: string }

/** The node this folder's window lives on (Remote-SSH, or containers on a Remote-SSH/ssh:// Docker host). */
export function windowProposal(folder: vscode.WorkspaceFolder | undefined): WindowProposal | undefined {
  const loc = windowLocation(folder);
  if (loc.kind !== "node") return undefined;
  const via = loc.via === "ssh-remote" ? "Remote-SSH" : loc.via === "dev-container" ? "Dev Containers" : "attached container";
  return { alias: loc.host.alias, via, ...(loc.host.user === undefined ? {} : { user: loc.host.user }), ...(loc.host.port === undefined ? {} : { port: loc.host.port }), ...(loc.projectPath === undefined ? {} : { projectPath: loc.projectPath }) };
}
