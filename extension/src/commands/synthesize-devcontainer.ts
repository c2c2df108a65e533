// Remo: Synthesize devcontainer.json — the pure synthesizeWorkspace (docs/architecture.md#synthesis) over a workspace.fs
// adapter; a diff before writing an existing file; then register the project on the node.
import * as vscode from "vscode";
import type { WorkspaceFs } from "../devcontainer/synthesize-workspace.ts";
import type { ImageLookup } from "../devcontainer/image-metadata.ts";
import type { RemoteShell } from "../devcontainer/image-inspect.ts";
import { imageLookupRoute } from "../devcontainer/image-lookup-route.ts";
import type { NodeEntry } from "../node/node-registry.ts";
import { readSettings } from "../settings.ts";
import { getLog } from "../log.ts";
import { Cancelled, CommandError } from "../ui/command-error.ts";
import { nodeClientDeps, testOptions, type CommandDeps } from "../ui/deps.ts";
import { requireTrust, resolveFolder } from "../workspace/workspace-files.ts";
import type { ProposedContent } from "../ui/proposed-content.ts";

/** What Synthesize did (also the command's result, for tests). */
export interface SynthesizeOutcome { path: string; written: boolean; changes: string[]; conflicts: string[]; notes: string[]; registered?: string }

/** Remo: Synthesize devcontainer.json. */
export async function synthesizeDevcontainer(deps: CommandDeps, proposed: ProposedContent, opts?: unknown, invokedOn?: unknown): Promise<SynthesizeOutcome | undefined> {
  requireTrust("Synthesizing devcontainer.json");
  const t = testOptions<{ confirm: boolean; register: boolean }>(opts);
  const folder = await resolveFolder({ need: "project", invoked: invokedOn, placeHolder: "Synthesize the devcontainer of which project?" });
  const featureId = readSettings(folder.uri).featureId;
  const featureSource = deps.context.asAbsolutePath("devcontainer-feature/src/remo-secrets");
  const fs = workspaceFsAdapter(deps.context.extensionUri, folder.uri);
  // The node this folder is bound to: the engine asked about images and the broker registered with.
  const node = deps.nodes.workspaceNode(folder.uri.toString());
  const { synthesizeWorkspace } = await import("../devcontainer/synthesize-workspace.ts");
  const featureOpts = { ...(featureId === undefined ? { featureSource } : { featureRef: featureId }), inspectImage: await nodeImageInspector(deps, folder, node) };
  const plan = await synthesizeWorkspace(folder.uri.path, fs, { ...featureOpts, write: false });
  const target = folder.uri.with({ path: plan.path });
  if (plan.conflicts.length > 0) {
    void vscode.window.showWarningMessage(`devcontainer.json has conflicts Remo did not overwrite: ${plan.conflicts.join(" ")}`, { modal: false });
  }
  if (plan.before !== undefined && plan.before === plan.after) {
    void vscode.window.showInformationMessage(`${vscode.workspace.asRelativePath(target)} already mounts the broker socket for ${plan.projectName}; nothing to change.${plan.notes.length === 0 ? "" : ` ${plan.notes.join(" ")}`}`);
    const unchanged: SynthesizeOutcome = { path: plan.path, written: false, changes: [], conflicts: plan.conflicts, notes: plan.notes };
    if (t.register ?? true) await registerOnNode(deps, node, plan.projectName, unchanged);
    return unchanged;
  }
  if (plan.before !== undefined && t.confirm !== true) {
    const right = proposed.set(target, plan.after);
    await vscode.commands.executeCommand("vscode.diff", target, right, `devcontainer.json ↔ Remo's proposal`, { preview: true });
    const pick = await vscode.window.showInformationMessage(
      `Apply Remo's changes to ${vscode.workspace.asRelativePath(target)}?`,
      { modal: true, detail: [...plan.changes.map((c) => `• ${c}`), ...plan.notes.map((n) => `ℹ ${n}`)].join("\n") },
      "Apply",
    );
    if (pick !== "Apply") throw new Cancelled();
  }
  const done = await synthesizeWorkspace(folder.uri.path, fs, { ...featureOpts, write: true });
  getLog().info(`synthesized ${done.path}: ${done.changes.join("; ")}`);
  for (const n of done.notes) getLog().info(`synthesize: ${n}`);
  const outcome: SynthesizeOutcome = { path: done.path, written: true, changes: done.changes, conflicts: done.conflicts, notes: done.notes };
  if (t.register ?? true) await registerOnNode(deps, node, done.projectName, outcome);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, ".devcontainer", "devcontainer.json"));
  await vscode.window.showTextDocument(doc, { preview: false });
  void vscode.window.showInformationMessage(`${done.before === undefined ? "Created" : "Updated"} devcontainer.json: ${done.changes.join("; ") || "no changes"}.${done.notes.length === 0 ? "" : ` ${done.notes.join(" ")}`}`);
  if (done.conflicts.length > 0) throw new CommandError("conflicts", `Remo left these for you to resolve: ${done.conflicts.join(" ")}`);
  return outcome;
}

/**
 * Reads an image's labels where devcontainer up will run: on this extension host when it runs on
 * the node (a Remote-SSH window), else over the SSH session to the folder's node.
 */
async function nodeImageInspector(deps: CommandDeps, folder: vscode.WorkspaceFolder, node: NodeEntry | undefined): Promise<(ref: string) => Promise<ImageLookup>> {
  const route = imageLookupRoute({
    remoteName: vscode.env.remoteName,
    extensionHostIsRemote: deps.context.extension.extensionKind === vscode.ExtensionKind.Workspace,
    nodeName: node?.target.name,
  });
  const dockerPath = configuredDockerPath(folder.uri);
  const { imageInspector, inspectTimeoutMs } = await import("../devcontainer/image-inspect.ts");
  const connect = async (): Promise<RemoteShell> => {
    if (node === undefined) throw new Error("this workspace has no node");
    const { NodeClient } = await import("../node/index.ts");
    return await NodeClient.connect(node.target, node.pins, { ...nodeClientDeps(), connectTimeoutMs: inspectTimeoutMs });
  };
  return imageInspector(route, { ...(dockerPath === undefined ? {} : { dockerPath }), connect });
}

/** The Dev Containers extension's dev.containers.dockerPath, when the user set it. */
function configuredDockerPath(uri: vscode.Uri): string | undefined {
  const i = vscode.workspace.getConfiguration("dev.containers", uri).inspect<string>("dockerPath");
  const set = (i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue)?.trim();
  return set === undefined || set === "" ? undefined : set;
}

/** Registers the project on the folder's node, if it has one; a failure only warns (a push registers too). */
async function registerOnNode(deps: CommandDeps, node: NodeEntry | undefined, projectName: string, outcome: SynthesizeOutcome): Promise<void> {
  if (node === undefined) return;
  try {
    const { NodeClient } = await import("../node/index.ts");
    const client = await NodeClient.connect(node.target, node.pins, nodeClientDeps());
    try {
      // Only names the user approved for this project on this node (none before its first push).
      const approved = deps.approvals.get(node.target.name, projectName)?.names ?? [];
      const registeredPath = deps.approvals.registeredPath(node.target.name, projectName);
      outcome.registered = (await client.register(projectName, node.target.projectPath, approved, registeredPath === undefined ? {} : { registeredPath })).socketPath;
      await deps.approvals.recordRegistered(node.target.name, projectName, node.target.projectPath);
    } finally {
      client.close();
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    getLog().warn(`could not register ${projectName} on ${node.target.name}: ${why}`);
    void vscode.window.showWarningMessage(`devcontainer.json is ready, but registering ${projectName} on ${node.target.name} failed: ${why} The next push registers it.`);
  }
}

/**
 * workspace.fs behind the pure synthesizer's path-based WorkspaceFs. Paths under the extension's own
 * folder (the bundled feature) are local files; every other path is in the workspace's
 * file system, which may be remote (vscode-remote://…).
 */
export function workspaceFsAdapter(extensionUri: vscode.Uri, folderUri: vscode.Uri): WorkspaceFs {
  const toUri = (p: string): vscode.Uri => (p.startsWith(extensionUri.path + "/") || p === extensionUri.path ? extensionUri.with({ path: p }) : folderUri.with({ path: p }));
  const fs = vscode.workspace.fs;
  const adapter: WorkspaceFs = {
    readFile: async (p) => {
      try {
        return await fs.readFile(toUri(p));
      } catch (e) {
        if (e instanceof vscode.FileSystemError && e.code === "FileNotFound") return undefined;
        throw e;
      }
    },
    writeFile: async (p, data) => { await fs.writeFile(toUri(p), data); },
    readDirectory: async (p) => {
      try {
        return (await fs.readDirectory(toUri(p))).map(([name]) => name);
      } catch (e) {
        if (e instanceof vscode.FileSystemError && e.code === "FileNotFound") return [];
        throw e;
      }
    },
    copyDirectory: async (from, to) => { await copyTree(toUri(from), toUri(to)); },
  };
  return adapter;
}

async function copyTree(from: vscode.Uri, to: vscode.Uri): Promise<void> {
  await vscode.workspace.fs.createDirectory(to);
  for (const [name, type] of await vscode.workspace.fs.readDirectory(from)) {
    const src = vscode.Uri.joinPath(from, name);
    const dst = vscode.Uri.joinPath(to, name);
    if (type & vscode.FileType.Directory) await copyTree(src, dst);
    else if (type & vscode.FileType.File) await vscode.workspace.fs.writeFile(dst, await vscode.workspace.fs.readFile(src));
  }
}
