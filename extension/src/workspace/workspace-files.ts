// Finding the workspace folder and its manifest, through vscode.workspace.fs only (the
// workspace may be remote while this extension runs on the laptop).
import * as vscode from "vscode";
import { MANIFEST_PATHS, parseManifest, type Manifest, type ManifestIssue } from "#protocol";
import { Cancelled, CommandError } from "../ui/command-error.ts";
import { decideFolder, type FolderDecision, type FolderNeed } from "./folder-choice.ts";

/** The manifest of a folder, read and validated. */
export interface FolderManifest {
  folder: vscode.WorkspaceFolder;
  uri: vscode.Uri;
  manifest: Manifest | undefined;
  issues: ManifestIssue[];
}

/** The folder a command applies to when it needs no manifest: the active editor's, else the only one, else the user's pick. */
export async function pickWorkspaceFolder(): Promise<vscode.WorkspaceFolder> {
  return await resolveFolder({ need: "any" });
}

/**
 * The workspace folder a command acts on (see {@link decideFolder}): `invoked` names the folder
 * it was invoked on (a Remo view row, an explorer context's URI, a folder URI string). A
 * dismissed pick throws Cancelled, so the command stops with nothing changed.
 */
export async function resolveFolder(opts: { need: FolderNeed; invoked?: unknown; placeHolder?: string }): Promise<vscode.WorkspaceFolder> {
  const decision = await decideHere(opts.need, opts.invoked);
  switch (decision.kind) {
    case "folder":
      return decision.folder;
    case "none":
      throw new CommandError("no_workspace", decision.message);
    case "pick": {
      const items = await Promise.all(decision.candidates.map(async (f) => ({ label: f.name, description: await projectName(f) ?? "", folder: f })));
      const picked = await vscode.window.showQuickPick(items, { placeHolder: opts.placeHolder ?? "Which project folder?", ignoreFocusOut: true });
      if (picked === undefined) throw new Cancelled();
      return picked.folder;
    }
  }
}

/** The folder a command would act on without asking (undefined when it would ask or there is none): for reminders and defaults. */
export async function folderWithoutAsking(need: FolderNeed): Promise<vscode.WorkspaceFolder | undefined> {
  const decision = await decideHere(need, undefined);
  return decision.kind === "folder" ? decision.folder : undefined;
}

async function decideHere(need: FolderNeed, invokedOn: unknown): Promise<FolderDecision<vscode.WorkspaceFolder>> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  // One folder decides without reading any manifest: single-folder windows behave as before.
  const candidates = await Promise.all(folders.map(async (f) => ({ folder: f, key: f.uri.toString(), isProject: folders.length > 1 && await findManifest(f).catch(() => undefined) !== undefined })));
  const activeUri = vscode.window.activeTextEditor?.document.uri;
  const active = activeUri === undefined ? undefined : vscode.workspace.getWorkspaceFolder(activeUri)?.uri.toString();
  const invoked = invokedFolder(invokedOn);
  return decideFolder({ folders: candidates, need, ...(invoked === undefined ? {} : { invoked }), ...(active === undefined ? {} : { active }) });
}

/** The folder key a command argument names: a view row's `folder`, a URI, or a URI string. */
function invokedFolder(arg: unknown): string | undefined {
  const row = typeof arg === "object" && arg !== null && !(arg instanceof vscode.Uri) ? (arg as Record<string, unknown>).folder : arg;
  const uri = row instanceof vscode.Uri ? row : typeof row === "string" && row.includes(":") ? vscode.Uri.parse(row) : undefined;
  if (uri === undefined) return undefined;
  // A file inside a folder (the explorer's context) names that folder; a folder outside the workspace names itself, and is refused.
  return (vscode.workspace.getWorkspaceFolder(uri)?.uri ?? uri).toString();
}

/** The project name a folder's manifest declares (undefined without a manifest or a valid name). */
export async function projectName(folder: vscode.WorkspaceFolder): Promise<string | undefined> {
  return (await findManifest(folder).catch(() => undefined))?.manifest?.project.name;
}

/** Reads a file through workspace.fs; undefined when it does not exist. */
export async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (e) {
    if (e instanceof vscode.FileSystemError && e.code === "FileNotFound") return undefined;
    throw e;
  }
}

/** Writes a file through workspace.fs (parent folders are created by it). */
export async function writeText(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

/** The folder's manifest (first of MANIFEST_PATHS that exists), or undefined when it has none. */
export async function findManifest(folder: vscode.WorkspaceFolder): Promise<FolderManifest | undefined> {
  for (const rel of MANIFEST_PATHS) {
    const uri = vscode.Uri.joinPath(folder.uri, rel);
    const onDisk = await readText(uri);
    // A document can stay open after its file was moved away: only a file that exists counts.
    if (onDisk === undefined) continue;
    // An open editor may hold unsaved edits: validate what the user sees.
    const text = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.getText() ?? onDisk;
    const { manifest, issues } = parseManifest(text, { folderName: basename(folder.uri) });
    return { folder, uri, manifest, issues };
  }
  return undefined;
}

/** The folder's valid manifest, or a CommandError that says how to get one. */
export async function requireManifest(folder: vscode.WorkspaceFolder): Promise<FolderManifest & { manifest: Manifest }> {
  const found = await findManifest(folder);
  if (found === undefined) {
    throw new CommandError("no_manifest", `${folder.name} has no secret manifest (${MANIFEST_PATHS.join(" or ")}). Run "Remo: Create Manifest" first.`, { folder: folder.name });
  }
  if (found.manifest === undefined) {
    const errors = found.issues.filter((i) => i.severity === "error");
    throw new CommandError("manifest_invalid", `${vscode.workspace.asRelativePath(found.uri)} has ${errors.length} error(s); fix them first (see the Problems panel). First: ${errors[0]?.message ?? "invalid manifest"}`, { folder: folder.name });
  }
  return { ...found, manifest: found.manifest };
}

/** The last path segment of a URI (works for remote URIs too). */
export function basename(uri: vscode.Uri): string {
  const parts = uri.path.split("/").filter((p) => p !== "");
  return parts[parts.length - 1] ?? "";
}

/** Refuses an action that writes or sends in an untrusted workspace (Restricted Mode). */
export function requireTrust(action: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new CommandError("untrusted", `${action} needs a trusted workspace: in restricted mode Remo only validates. Trust this folder (Manage Workspace Trust), then try again.`);
  }
}
