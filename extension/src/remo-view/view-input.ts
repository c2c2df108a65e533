// Gathers the Remo view's input from the extension's real state: the folder's manifest, its
// bound nodes with their pins, approvals and last push, the laptop's value sources, and what
// the last Refresh read from each node. Reads no secret value.
import type * as vscode from "vscode";
import type { CommandDeps } from "../ui/deps.ts";
import { findManifest } from "../workspace/workspace-files.ts";
import { describeTarget } from "../node/node-target.ts";
import { describeSecretSource, type SecretSource } from "../secrets/secret-sources.ts";
import type { ManifestInfo, NodeInfo, NodeProbe, ValueInfo, ViewInput } from "./view-model.ts";
import type { PushLog } from "./push-log.ts";

/** What the last Refresh learned about a node for a project (status is the node's; fetches are the project's). */
export type ProbeLookup = (node: string, project: string | undefined) => NodeProbe | undefined;

/** The view's input for `folder` (undefined: no folder is open). */
export async function gatherViewInput(deps: CommandDeps, probes: ProbeLookup, pushLog: PushLog, env: Record<string, string | undefined>, folder: vscode.WorkspaceFolder | undefined): Promise<ViewInput> {
  const manifest = folder === undefined ? { state: "none" as const } : await manifestInfo(folder);
  const project = manifest.state === "ok" ? manifest.project : undefined;
  const entries = folder === undefined ? [] : deps.nodes.folderNodes(folder.uri.toString());
  const nodes = entries.map((e): NodeInfo => {
    const lastPushAt = project === undefined ? undefined : e.lastPushAt[project];
    const pushed = project === undefined ? undefined : pushLog.get(e.target.name, project);
    const approved = project === undefined ? undefined : deps.approvals.get(e.target.name, project)?.names;
    const probe = probes(e.target.name, project);
    return {
      name: e.target.name,
      host: describeTarget(e.target),
      projectPath: e.target.projectPath,
      pins: e.pins,
      ...(lastPushAt === undefined ? {} : { lastPushAt }),
      // The recorded names belong to that push only; an older push from another window has none.
      ...(pushed !== undefined && pushed.at === lastPushAt ? { lastPushed: pushed.names } : {}),
      ...(approved === undefined ? {} : { approved: [...approved] }),
      ...(probe === undefined ? {} : { probe }),
    };
  });
  const values = deps.secrets.entries().map((e): ValueInfo => (e.source === undefined ? { name: e.name, stored: e.stored } : { name: e.name, stored: e.stored, source: sourceInfo(e.source, env) }));
  return { ...(folder === undefined ? {} : { folder: folder.name, folderUri: folder.uri.toString() }), manifest, nodes, values, now: new Date() };
}

async function manifestInfo(folder: vscode.WorkspaceFolder): Promise<ManifestInfo> {
  const found = await findManifest(folder);
  if (found === undefined) return { state: "none" };
  if (found.manifest === undefined) {
    const errors = found.issues.filter((i) => i.severity === "error");
    return errors[0] === undefined ? { state: "invalid", errors: errors.length } : { state: "invalid", errors: errors.length, first: errors[0].message };
  }
  return { state: "ok", project: found.manifest.project.name, names: [...new Set(found.manifest.allowlist)] };
}

/** An env source counts when its variable is set; a command source without running it (the view must stay cheap). */
function sourceInfo(source: SecretSource, env: Record<string, string | undefined>): NonNullable<ValueInfo["source"]> {
  const available = source.kind === "command" || (env[source.variable] ?? "") !== "";
  return { label: describeSecretSource(source), short: source.preset?.id ?? source.kind, available };
}
