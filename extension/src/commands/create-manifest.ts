// Remo: Create Manifest — scan the workspace for secret names, let the user pick, write
// the manifest through workspace.fs (and the .gitignore block for the generated location).
import * as vscode from "vscode";
import { normalizeProjectName, projectNamePattern } from "#protocol";
import { findSecretNames } from "../manifest-authoring/find-secret-names.ts";
import { workspaceScanFs } from "../manifest-authoring/vscode-scan-fs.ts";
import { getLog } from "../log.ts";
import { ensureGitignoreBlock, renderManifest } from "../manifest-authoring/render-manifest.ts";
import { Cancelled } from "../ui/command-error.ts";
import { testOptions, type CommandDeps } from "../ui/deps.ts";
import { basename, findManifest, pickWorkspaceFolder, readText, writeText } from "../workspace/workspace-files.ts";

/** Where a new manifest goes: committed with the devcontainer, or generated and git-ignored. */
export type ManifestLocation = "devcontainer" | "remo";

const maxScanFiles = 2000;
const maxScanBytes = 256 * 1024;
const maxScanTotalBytes = 16 * 1024 * 1024;
// A remote workspace pays a round trip per file; past this the user gets what was found so far.
const maxScanMs = 10_000;

/** Remo: Create Manifest. Returns the manifest URI. */
export async function createManifest(_deps: CommandDeps, opts?: unknown): Promise<vscode.Uri | undefined> {
  // Test mode: `secrets` skips the scan; `acceptScan` takes what the picker pre-selects (Enter).
  const t = testOptions<{ secrets: string[]; acceptScan: boolean; location: ManifestLocation }>(opts);
  const folder = await pickWorkspaceFolder();
  const existing = await findManifest(folder);
  if (existing !== undefined) {
    void vscode.window.showInformationMessage(`${folder.name} already has a manifest: ${vscode.workspace.asRelativePath(existing.uri)}.`, "Open It")
      .then((pick) => (pick === "Open It" ? vscode.window.showTextDocument(existing.uri) : undefined));
    return existing.uri;
  }
  const projectName = await askProjectName(basename(folder.uri));
  const secrets = t.secrets ?? await pickSecrets(folder, t.acceptScan === true);
  const location = t.location ?? await pickLocation();
  const text = renderManifest({ projectName, secrets });
  const rel = location === "devcontainer" ? ".devcontainer/remo-broker.toml" : ".remo/broker.toml";
  const uri = vscode.Uri.joinPath(folder.uri, rel);
  await writeText(uri, text);
  if (location === "remo") {
    const gi = vscode.Uri.joinPath(folder.uri, ".gitignore");
    const { text: giText, changed } = ensureGitignoreBlock(await readText(gi));
    if (changed) await writeText(gi, giText);
  }
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

async function askProjectName(folderName: string): Promise<string> {
  const suggested = normalizeProjectName(folderName);
  if (suggested === folderName) return folderName;
  // The broker requires project.name == the folder's basename; say so instead of guessing.
  const typed = await vscode.window.showInputBox({
    title: "Remo: project name",
    prompt: `The folder name "${folderName}" is not a valid project name (lower-case letters, digits, _ and -). The broker checks project.name against the folder name on the node, so rename the folder there, or use this name:`,
    value: suggested ?? "",
    validateInput: (v) => (projectNamePattern.test(v) ? undefined : `Use ${projectNamePattern.source}`),
    ignoreFocusOut: true,
  });
  if (typed === undefined) throw new Cancelled();
  return typed;
}

async function pickSecrets(folder: vscode.WorkspaceFolder, acceptDefaults: boolean): Promise<string[]> {
  const found = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Remo: looking for secret names in the workspace…", cancellable: true },
    async (_p, token) => {
      const { walkWorkspace } = await import("../manifest-authoring/walk-workspace.ts");
      const scan = await walkWorkspace(folder.uri, workspaceScanFs(), { maxFiles: maxScanFiles, maxFileBytes: maxScanBytes, maxTotalBytes: maxScanTotalBytes, maxMs: maxScanMs, now: () => Date.now(), isCancelled: () => token.isCancellationRequested });
      if (scan.stoppedBecause !== undefined) getLog().info(`secret-name scan of ${folder.name} stopped early: ${scan.stoppedBecause}`);
      const files = scan.files;
      return findSecretNames(files);
    },
  );
  if (found.length === 0) {
    void vscode.window.showInformationMessage("No secret names found in the workspace; the manifest starts with an empty allowlist. Add names in [allowlist].");
    return [];
  }
  const items = found.map((f) => ({ label: f.name, description: f.likelySecret ? "looks like a credential" : "", detail: f.sources.slice(0, 3).join(", "), picked: f.likelySecret }));
  if (acceptDefaults) return items.filter((i) => i.picked).map((i) => i.label);
  const picked = await vscode.window.showQuickPick(
    items,
    { title: "Remo: which of these may containers fetch?", canPickMany: true, placeHolder: "Only names on the allowlist are ever sent to the node" },
  );
  if (picked === undefined) throw new Cancelled();
  return picked.map((p) => p.label);
}

async function pickLocation(): Promise<ManifestLocation> {
  const items: (vscode.QuickPickItem & { location: ManifestLocation })[] = [
    { label: ".devcontainer/remo-broker.toml", description: "recommended", detail: "Committed with the devcontainer so everyone on the project shares the allowlist", location: "devcontainer" },
    { label: ".remo/broker.toml", description: "generated", detail: "Kept out of git (added to .gitignore inside a marked block)", location: "remo" },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: "Remo: where should the manifest go?" });
  if (pick === undefined) throw new Cancelled();
  return pick.location;
}
