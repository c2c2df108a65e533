// Which nodes a Push goes to: the folder's one node, all of them or one of several, or (in a
// window whose node is not added yet) the window's own host, added on the spot.
import * as vscode from "vscode";
import type { NodeEntry } from "../node/node-registry.ts";
import { Cancelled, CommandError } from "../ui/command-error.ts";
import { testOptions, type CommandDeps } from "../ui/deps.ts";
import { addNode } from "./nodes.ts";
import { requireWorkspaceNode, windowProposal } from "../workspace/workspace-node.ts";

/** Test-mode answers: `nodes` picks ("all" or names), `useWindowHost` accepts the offer. */
interface PushTargetOptions { nodes: "all" | string[]; useWindowHost: boolean; brokerCommand: string }

/** The nodes to push `folder` to, asking when it has several. */
export async function choosePushNodes(deps: CommandDeps, folder: vscode.WorkspaceFolder, opts?: unknown): Promise<NodeEntry[]> {
  const t = testOptions<PushTargetOptions>(opts);
  const key = folder.uri.toString();
  let entries = deps.nodes.folderNodes(key);
  if (entries.length === 0) {
    const here = windowProposal(folder);
    if (here !== undefined && deps.nodes.get(here.alias) === undefined) {
      const use = "Use This Window's Host";
      const ask = async (): Promise<string | undefined> => await vscode.window.showInformationMessage(
        `${folder.name} has no node yet. This window is on ${here.alias} (${here.via}): push there?`,
        { modal: true, detail: `Remo adds ${here.alias} as a node with the project at ${here.projectPath ?? "a path you confirm"}, after you check its host key and broker key.` },
        use,
      );
      const pick = t.useWindowHost === true ? use : await ask();
      if (pick !== use) throw new Cancelled();
      const broker = t.brokerCommand === undefined ? {} : { brokerCommand: t.brokerCommand };
      await addNode(deps, t.useWindowHost === true ? { fromWindow: true, confirm: true, ...broker } : broker, { fromWindow: true });
      entries = deps.nodes.folderNodes(key);
    }
    if (entries.length === 0) return [requireWorkspaceNode(deps)];
  }
  if (entries.length === 1) return entries;
  if (t.nodes !== undefined) {
    const wanted = t.nodes;
    return wanted === "all" ? entries : entries.filter((e) => wanted.includes(e.target.name));
  }
  const all = { label: `$(server-environment) All nodes of this project`, description: entries.map((e) => e.target.name).join(", "), entries };
  const picked = await vscode.window.showQuickPick(
    [all, ...entries.map((e) => ({ label: e.target.name, description: e.target.projectPath, entries: [e] }))],
    { title: `Remo: push ${folder.name}'s secrets to which node?` },
  );
  if (picked === undefined) throw new Cancelled();
  return picked.entries;
}

/** The one node a Push from a node's row goes to: it must still be one of the folder's nodes. */
export function folderNodeNamed(deps: CommandDeps, folder: vscode.WorkspaceFolder, name: string): NodeEntry {
  const entry = deps.nodes.folderNodes(folder.uri.toString()).find((e) => e.target.name === name);
  if (entry === undefined) throw new CommandError("no_node", `${name} is not one of ${folder.name}'s nodes any more. Refresh the Remo view, or add it with "Remo: Add Node…".`);
  return entry;
}
