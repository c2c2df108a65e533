// The LSP client for manifests: starts dist/server.js by path (never imports the server's
// source) and keeps it told which secret names the laptop holds (names only, never values).
import * as vscode from "vscode";
import type { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";
import { MANIFEST_PATHS, manifestLanguageId, parseManifest } from "#protocol";
import type { SecretState } from "#protocol/lsp";
import { getLog } from "./log.ts";
import { devcontainerSecretNames } from "./manifest-authoring/devcontainer-secret-names.ts";
import { CachedUntilChanged } from "./manifest-authoring/names-cache.ts";

/** Glob patterns for manifest files (the same as the language's filenamePatterns). */
export const manifestGlobs = MANIFEST_PATHS.map((p) => `**/${p}`);

/**
 * Creates (not starts) the client. vscode-languageclient is imported here, not at the top:
 * evaluating it is most of what activation would otherwise cost, and the caller does not
 * wait for it (bench/activation.bench.mjs measures this).
 */
export async function createLanguageClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  const [{ LanguageClient, TransportKind }, { workspaceSecretNamesRequest }] = await Promise.all([import("vscode-languageclient/node"), import("#protocol/lsp")]);
  const module = context.asAbsolutePath("dist/server.js");
  const manifests = vscode.workspace.createFileSystemWatcher(`**/{${MANIFEST_PATHS.join(",")}}`);
  // Completion asks for the workspace's names on every request: keep them until a manifest or the folder list changes.
  const workspaceNames = new CachedUntilChanged(workspaceSecretNames,
    (changed) => [manifests.onDidCreate(changed), manifests.onDidChange(changed), manifests.onDidDelete(changed), vscode.workspace.onDidChangeWorkspaceFolders(changed)],
    () => Date.now());
  context.subscriptions.push(manifests, workspaceNames);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ["--nolazy", "--inspect=6019"] } },
  };
  const clientOptions: LanguageClientOptions = {
    // The own language id keeps a TOML extension's server off these files; the toml entries
    // cover a user who re-associated the files to `toml` by hand.
    documentSelector: [
      { language: manifestLanguageId },
      ...manifestGlobs.map((pattern) => ({ language: "toml", pattern })),
    ],
    outputChannel: getLog(),
    traceOutputChannel: getLog(),
    synchronize: { fileEvents: manifests },
  };
  const client = new LanguageClient("remo", "Remo Manifest Language Server", serverOptions, clientOptions);
  client.onRequest(workspaceSecretNamesRequest, async (p) => [...await devcontainerSecretNames(p.uri), ...await workspaceNames.get()]);
  return client;
}

/**
 * Runs `start` once: now when a manifest is open, a node is configured or a folder has a
 * manifest; otherwise when a manifest is opened or a Remo command runs.
 */
export function whenRemoIsUsed(context: vscode.ExtensionContext, hasNode: boolean, start: () => void): () => void {
  let started = false;
  const once = (): void => {
    if (started) return;
    started = true;
    for (const d of subs) d.dispose();
  };
  const go = (): void => {
    if (started) return;
    once();
    start();
  };
  const subs = [vscode.workspace.onDidOpenTextDocument((d) => { if (d.languageId === manifestLanguageId) go(); })];
  context.subscriptions.push({ dispose: once });
  if (hasNode || vscode.workspace.textDocuments.some((d) => d.languageId === manifestLanguageId)) go();
  else void rootManifests().then((found) => { if (found.length > 0) go(); }, () => undefined);
  return go;
}

/**
 * Manifests at the root of each workspace folder, found with workspace.fs.stat: that works on
 * every file system, while findFiles needs a search provider that a virtual or remote
 * folder may not have.
 */
async function rootManifests(): Promise<vscode.Uri[]> {
  const candidates = (vscode.workspace.workspaceFolders ?? []).flatMap((f) => MANIFEST_PATHS.map((p) => vscode.Uri.joinPath(f.uri, p)));
  const found = await Promise.all(candidates.map(async (uri) => await vscode.workspace.fs.stat(uri).then((st) => (st.type & vscode.FileType.File) !== 0 ? uri : undefined, () => undefined)));
  return found.filter((u): u is vscode.Uri => u !== undefined);
}

/** Sends the laptop's secret names and whether each has a value. */
export async function sendSecretState(client: LanguageClient, secrets: SecretState[]): Promise<void> {
  if (!client.isRunning()) return;
  const { secretStateNotification } = await import("#protocol/lsp");
  await client.sendNotification(secretStateNotification, { secrets });
}

/** Secret names allowlisted by any manifest in the workspace, read through workspace.fs. */
async function workspaceSecretNames(): Promise<string[]> {
  const names = new Set<string>();
  for (const text of await workspaceManifestTexts()) {
    const { value } = parseManifest(text);
    const secrets = (value?.allowlist as { secrets?: unknown } | undefined)?.secrets;
    if (Array.isArray(secrets)) for (const s of secrets) if (typeof s === "string") names.add(s);
  }
  return [...names].sort();
}

/** Limits of the walk for manifests where findFiles cannot be used. */
const manifestWalk = { maxFiles: 200, maxFileBytes: 256 * 1024, maxTotalBytes: 4 * 1024 * 1024, maxMs: 3000 };

/**
 * The texts of the workspace's manifests, at any depth. findFiles waits, without end, for a
 * search provider that a virtual file system may never register: it is used only where VS Code
 * has one (local and remote folders); other folders are walked through workspace.fs within a
 * budget. An unreadable manifest contributes nothing; its own diagnostics say why.
 */
async function workspaceManifestTexts(): Promise<string[]> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const searchable = (f: vscode.WorkspaceFolder): boolean => f.uri.scheme === "file" || f.uri.scheme === "vscode-remote";
  const read = async (uri: vscode.Uri): Promise<string | undefined> => await vscode.workspace.fs.readFile(uri).then((b) => new TextDecoder().decode(b), () => undefined);
  const [roots, found, walked] = await Promise.all([
    rootManifests(),
    folders.some(searchable) ? vscode.workspace.findFiles(`**/{${MANIFEST_PATHS.join(",")}}`, "**/node_modules/**", 200).then((u) => u, () => []) : Promise.resolve([]),
    Promise.all(folders.filter((f) => !searchable(f)).map(async (f) => {
      const [{ walkWorkspace }, { workspaceScanFs }] = await Promise.all([import("./manifest-authoring/walk-workspace.ts"), import("./manifest-authoring/vscode-scan-fs.ts")]);
      const scan = await walkWorkspace(f.uri, workspaceScanFs(), { ...manifestWalk, now: () => Date.now() }, isManifestPath);
      if (scan.stoppedBecause !== undefined) getLog().info(`Stopped looking for manifests in ${f.name} (${scan.stoppedBecause}): names of manifests not reached are not offered in completion.`);
      return scan.files.map((file) => file.text);
    })),
  ]);
  // findFiles and the root check may see the same file: read each URI once.
  const uris = new Map([...roots, ...found].map((u) => [u.toString(), u]));
  const texts = await Promise.all([...uris.values()].map(read));
  return [...texts.filter((t): t is string => t !== undefined), ...walked.flat()];
}

/** True for a path (relative to a folder) that ends in one of the manifest locations. */
function isManifestPath(path: string): boolean {
  return MANIFEST_PATHS.some((p) => path === p || path.endsWith(`/${p}`));
}
