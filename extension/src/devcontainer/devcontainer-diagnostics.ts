// Diagnostics for .devcontainer/devcontainer.json from the pure lintDevcontainer, kept
// current on open/change and cleared on close.
import * as vscode from "vscode";
import { normalizeProjectName } from "#protocol";
import { lintDevcontainer } from "./lint-devcontainer.ts";
import { findManifest } from "../workspace/workspace-files.ts";

/** True for a document Remo lints. */
export function isDevcontainerJson(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith("/.devcontainer/devcontainer.json");
}

/** Registers the collection and its listeners; lints documents already open. */
export function registerDevcontainerDiagnostics(context: vscode.ExtensionContext): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection("remo-devcontainer");
  const lint = async (doc: vscode.TextDocument): Promise<void> => {
    if (!isDevcontainerJson(doc)) return;
    const projectName = await projectNameFor(doc.uri);
    const version = doc.version;
    const found = lintDevcontainer(doc.getText(), projectName === undefined ? {} : { projectName });
    if (doc.isClosed || doc.version !== version) return;
    collection.set(doc.uri, found.map((d) => {
      const range = new vscode.Range(doc.positionAt(d.offset), doc.positionAt(d.offset + d.length));
      const diag = new vscode.Diagnostic(range, d.message, d.severity === "error" ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      diag.code = d.code;
      diag.source = "remo";
      return diag;
    }));
  };
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument((d) => { void lint(d); }),
    vscode.workspace.onDidChangeTextDocument((e) => { void lint(e.document); }),
    vscode.workspace.onDidCloseTextDocument((d) => { collection.delete(d.uri); }),
  );
  for (const d of vscode.workspace.textDocuments) void lint(d);
  return collection;
}

/** The project name the broker mount should use: the manifest's, else the folder's normalized name. */
async function projectNameFor(uri: vscode.Uri): Promise<string | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (folder === undefined) return undefined;
  const found = await findManifest(folder).catch(() => undefined);
  if (found === undefined) return undefined; // no manifest: the project does not use Remo, so no mount is expected
  return found.manifest?.project.name ?? normalizeProjectName(folder.name);
}
