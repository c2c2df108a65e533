// Finding the workspace folder and its manifest, through vscode.workspace.fs only (the
// workspace may be remote while this extension runs on the laptop).
import * as vscode from "vscode";
import { MANIFEST_PATHS, parseManifest, type Manifest, type ManifestIssue } from "#protocol";
import { CommandError } from "../ui/command-error.ts";

/** The manifest of a folder, read and validated. */
export interface FolderManifest {
  folder: vscode.WorkspaceFolder;
  uri: vscode.Uri;
  manifest: Manifest | undefined;
  issues: ManifestIssue[];
}

/** The folder a command applies to: the active editor's, else the only one, else the user's pick. */
export async function pickWorkspaceFolder(): Promise<vscode.WorkspaceFolder> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new CommandError("no_workspace", "Open a folder first: Remo works on the project folder that holds .devcontainer/.");
  const active = vscode.window.activeTextEditor?.document.uri;
  const fromEditor = active === undefined ? undefined : vscode.workspace.getWorkspaceFolder(active);
  if (fromEditor !== undefined) return fromEditor;
  const [only] = folders;
  if (folders.length === 1 && only !== undefined) return only;
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: "Which project folder?" });
  if (picked === undefined) throw new CommandError("no_workspace", "Pick a workspace folder to run this command on.");
  return picked;
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

/** The project name the first workspace folder's manifest declares (undefined without a folder, manifest or valid name). */
export async function firstFolderProject(): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder === undefined ? undefined : (await findManifest(folder))?.manifest?.project.name;
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
