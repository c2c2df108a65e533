// Set / Remove / List Secrets: values go to SecretStorage through SecretStore only.
import * as vscode from "vscode";
import { SET_SECRET_COMMAND, secretNamePattern } from "#protocol";
import { describeSecretSource } from "../secrets/secret-sources.ts";
import { Cancelled, CommandError } from "../ui/command-error.ts";
import { testOptions, type CommandDeps } from "../ui/deps.ts";
import { findManifest, folderWithoutAsking } from "../workspace/workspace-files.ts";

/** Validation message for a secret name typed by the user, or undefined when fine. */
export function checkSecretName(name: string): string | undefined {
  if (name === "") return "Type a secret name, e.g. GITHUB_TOKEN.";
  return secretNamePattern.test(name) ? undefined : "Use letters, digits and _ only (at most 128), e.g. GITHUB_TOKEN.";
}

/** Remo: Set Secret… [name] — asks for the value in a password box and stores it. */
export async function setSecret(deps: CommandDeps, nameArg?: unknown, opts?: unknown): Promise<string | undefined> {
  const t = testOptions<{ value: string }>(opts);
  const name = typeof nameArg === "string" && nameArg !== "" ? nameArg : await pickSecretName(deps, "Which secret do you want to set?");
  const bad = checkSecretName(name);
  if (bad !== undefined) throw new CommandError("bad_input", `"${name}" is not a valid secret name. ${bad}`);
  const value = t.value ?? await vscode.window.showInputBox({
    title: `Remo: value of ${name}`,
    prompt: `Stored in VS Code's secret storage (your OS keychain) on this machine. It is sent only to nodes whose manifest allowlists ${name}.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v === "" ? "Type or paste the value (it is not shown)." : undefined),
  });
  if (value === undefined) throw new Cancelled();
  await deps.secrets.set(name, value);
  void vscode.window.showInformationMessage(`Stored ${name} in secret storage.`);
  return name;
}

/** Remo: Remove Secret… [name] */
export async function removeSecret(deps: CommandDeps, nameArg?: unknown): Promise<string | undefined> {
  const stored = deps.secrets.storedNames();
  let name = typeof nameArg === "string" ? nameArg : undefined;
  if (name === undefined) {
    if (stored.length === 0) {
      void vscode.window.showInformationMessage("No secret values are stored. Values from remo.secretSources are managed in your user settings.");
      return undefined;
    }
    name = await vscode.window.showQuickPick(stored, { title: "Remo: remove which stored secret?" });
    if (name === undefined) throw new Cancelled();
  }
  const removed = await deps.secrets.delete(name);
  void vscode.window.showInformationMessage(removed ? `Removed ${name} from secret storage. Push again to drop it from the node.` : `${name} had no stored value.`);
  return name;
}

/** One row of List Secrets: never a value. */
export interface SecretListing { name: string; allowlisted: boolean; stored: boolean; source?: string }

/** Remo: List Secrets — names known here and in the manifest, with whether a value is set. */
export async function listSecrets(deps: CommandDeps, opts?: unknown): Promise<SecretListing[]> {
  const allowlist = await currentAllowlist();
  const rows = new Map<string, SecretListing>();
  for (const e of deps.secrets.entries()) {
    const source = e.source === undefined ? undefined : describeSecretSource(e.source);
    rows.set(e.name, { name: e.name, allowlisted: allowlist.has(e.name), stored: e.stored, ...(source === undefined ? {} : { source }) });
  }
  for (const name of allowlist) if (!rows.has(name)) rows.set(name, { name, allowlisted: true, stored: false });
  const list = [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
  if (testOptions<{ quiet: boolean }>(opts).quiet === true) return list;
  const items: (vscode.QuickPickItem & { name: string })[] = list.map((r) => ({
    name: r.name,
    label: `${r.stored || r.source !== undefined ? "$(pass-filled)" : "$(circle-large-outline)"} ${r.name}`,
    description: r.stored ? "stored" : r.source ?? "no value",
    detail: r.allowlisted ? "allowlisted by this workspace's manifest" : "not in this workspace's allowlist (never sent from here)",
  }));
  const picked = await vscode.window.showQuickPick(items, { title: "Remo: secrets on this laptop (values are never shown)", placeHolder: "Pick one to set its value" });
  if (picked !== undefined) await vscode.commands.executeCommand(SET_SECRET_COMMAND, picked.name);
  return list;
}

/** The names the current project's manifest allows; with several projects and none current, every project's (values are per laptop, not per project). */
async function currentAllowlist(): Promise<Set<string>> {
  const folder = await folderWithoutAsking("project");
  const folders = folder === undefined ? vscode.workspace.workspaceFolders ?? [] : [folder];
  const found = await Promise.all(folders.map(async (f) => await findManifest(f)));
  return new Set(found.flatMap((m) => m?.manifest?.allowlist ?? []));
}

async function pickSecretName(deps: CommandDeps, title: string): Promise<string> {
  const allow = await currentAllowlist();
  const known = new Set([...allow, ...deps.secrets.storedNames()]);
  if (known.size === 0) {
    const typed = await vscode.window.showInputBox({ title, prompt: "Secret name", validateInput: checkSecretName, ignoreFocusOut: true });
    if (typed === undefined) throw new Cancelled();
    return typed;
  }
  const stored = new Set(deps.secrets.storedNames());
  const items: vscode.QuickPickItem[] = [...known].sort().map((n) => ({ label: n, description: stored.has(n) ? "stored" : "no value" }));
  items.push({ label: "$(add) Another name…", alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, { title });
  if (picked === undefined) throw new Cancelled();
  if (!picked.label.startsWith("$(add)")) return picked.label;
  const typed = await vscode.window.showInputBox({ title, prompt: "Secret name", validateInput: checkSecretName, ignoreFocusOut: true });
  if (typed === undefined) throw new Cancelled();
  return typed;
}
