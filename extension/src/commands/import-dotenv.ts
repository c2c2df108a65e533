// Remo: Import Secrets from .env File… — moves values from a plain-text .env file into
// SecretStorage (the OS keychain), then offers to delete the file so no plaintext copy stays.
import * as vscode from "vscode";
import { parseDotenv } from "../secrets/dotenv-parse.ts";
import { Cancelled, CommandError } from "../ui/command-error.ts";
import { testOptions, type CommandDeps } from "../ui/deps.ts";
import { folderWithoutAsking } from "../workspace/workspace-files.ts";

/** A .env file is a few KiB; a much larger file is not one. */
const maxDotenvBytes = 1024 * 1024;

/** What the e2e suite may pass instead of answering prompts (honoured in test mode only). */
interface ImportTestOptions {
  uri: string;
  names: string[];
  deleteFile: boolean;
  acceptProblems: boolean;
}

/** What an import did: names only, never values. */
export interface DotenvImportResult {
  imported: string[];
  deleted: boolean;
}

/** The command: pick a file, pick names, store them, offer to delete the file. */
export async function importDotenv(deps: CommandDeps, uriArg?: unknown, opts?: unknown): Promise<DotenvImportResult> {
  const t = testOptions<ImportTestOptions>(opts);
  const uri = uriArg instanceof vscode.Uri ? uriArg : t.uri !== undefined ? vscode.Uri.parse(t.uri) : await pickFile();
  const label = vscode.workspace.asRelativePath(uri, false);
  let bytes: Uint8Array;
  try {
    if ((await vscode.workspace.fs.stat(uri)).size > maxDotenvBytes) throw new CommandError("bad_input", `${label} is larger than 1 MiB, so it is not a .env file. Pick the .env file itself.`);
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError("bad_input", `Cannot read ${label}: ${e instanceof vscode.FileSystemError ? e.code : "unreadable"}. Pick an existing .env file.`);
  }
  const { entries, problems } = parseDotenv(new TextDecoder("utf-8").decode(bytes));
  if (entries.length === 0) {
    throw new CommandError("bad_input", `${label} has no NAME=value lines to import${problems.length > 0 ? ` (${problems.map((p) => p.message).join("; ")})` : ""}. Nothing was stored.`);
  }
  if (problems.length > 0 && t.acceptProblems !== true) {
    const go = `Import ${entries.length} Valid`;
    const pick = await vscode.window.showWarningMessage(`${label}: ${problems.length} line(s) cannot be imported.`, { modal: true, detail: problems.map((p) => p.message).join("\n") }, go);
    if (pick !== go) throw new Cancelled();
  }
  const stored = new Set(deps.secrets.storedNames());
  const names = t.names ?? await pickNames(entries.map((e) => ({ name: e.name, line: e.line, replaces: stored.has(e.name) })), label);
  const chosen = entries.filter((e) => names.includes(e.name));
  for (const e of chosen) await deps.secrets.set(e.name, e.value);
  deps.publishSecretState();
  const deleted = chosen.length > 0 && await offerDelete(uri, label, chosen.length, t.deleteFile);
  return { imported: chosen.map((e) => e.name), deleted };
}

async function pickFile(): Promise<vscode.Uri> {
  const folder = await folderWithoutAsking("folder");
  const picked = await vscode.window.showOpenDialog({
    title: "Remo: import secrets from which .env file?",
    openLabel: "Import",
    canSelectMany: false,
    ...(folder === undefined ? {} : { defaultUri: folder.uri }),
  });
  const uri = picked?.[0];
  if (uri === undefined) throw new Cancelled();
  return uri;
}

async function pickNames(rows: { name: string; line: number; replaces: boolean }[], label: string): Promise<string[]> {
  const items = rows.map((r) => ({ label: r.name, description: r.replaces ? "replaces the stored value" : "new", detail: `line ${r.line}`, picked: true }));
  const picked = await vscode.window.showQuickPick(items, { title: `Remo: import which secrets from ${label}? (values are not shown)`, canPickMany: true, ignoreFocusOut: true });
  if (picked === undefined || picked.length === 0) throw new Cancelled();
  return picked.map((p) => p.label);
}

async function offerDelete(uri: vscode.Uri, label: string, count: number, answer: boolean | undefined): Promise<boolean> {
  const del = "Delete File";
  const pick = answer === undefined
    ? await vscode.window.showInformationMessage(`Stored ${count} secret(s) from ${label} in secret storage. Delete ${label} now? It still holds the values in plain text.`, { modal: true }, del, "Keep File")
    : answer ? del : undefined;
  if (pick !== del) return false;
  // Not to the trash: a trashed .env is the same plaintext in another folder.
  await vscode.workspace.fs.delete(uri, { useTrash: false });
  return true;
}
