// Show Broker Status and Install Broker on Node.
import * as vscode from "vscode";
import type { StatusResponse } from "#protocol";
import { describeBrokerStatus } from "../status/broker-status.ts";
import { describeTarget } from "../node/node-target.ts";
import { getLog } from "../log.ts";
import type { NodeEntry } from "../node/node-registry.ts";
import { Cancelled, CommandError } from "../ui/command-error.ts";
import { nodeClientDeps, testOptions, type CommandDeps } from "../ui/deps.ts";
import { pickNode } from "./nodes.ts";
import { currentFolder, requireWorkspaceNode } from "../workspace/workspace-node.ts";
import { projectName, requireTrust, resolveFolder } from "../workspace/workspace-files.ts";

/** Remo: Show Broker Status — asks the node's broker for `status`, updates the status bar. */
export async function showBrokerStatus(deps: CommandDeps, opts?: unknown): Promise<StatusResponse | undefined> {
  const folder = (vscode.workspace.workspaceFolders ?? []).length === 0 ? undefined : await resolveFolder({ need: "folder", placeHolder: "Show the broker status of which folder's node?" });
  const { entry, status } = await refreshBrokerStatus(deps, folder);
  const view = describeBrokerStatus(deps.statusBar.current(), new Date());
  getLog().info(`status of ${entry.target.name}: ${view.lines.join(" | ")}`);
  if (testOptions<{ quiet: boolean }>(opts).quiet !== true) {
    const show = view.warning ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(`Remo: ${entry.target.name} (${describeTarget(entry.target)})`, { modal: true, detail: view.lines.join("\n") });
  }
  return status;
}

/** Reads the broker status of `folder`'s node (the current folder's when omitted) and puts it in the status bar (no UI otherwise). */
export async function refreshBrokerStatus(deps: CommandDeps, folder?: vscode.WorkspaceFolder): Promise<{ entry: NodeEntry; status: StatusResponse }> {
  const entry = requireWorkspaceNode(deps, folder);
  // The status bar speaks of the same folder as the node it shows.
  const here = folder ?? currentFolder();
  const project = here === undefined ? undefined : await projectName(here);
  const base = { node: entry.target.name, ...(project === undefined ? {} : { project }), ...lastPush(entry.lastPushAt, project) };
  let status: StatusResponse;
  try {
    status = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Remo: checking ${entry.target.name}` }, async () => {
      const { NodeClient } = await import("../node/index.ts");
      const client = await NodeClient.connect(entry.target, entry.pins, nodeClientDeps());
      try {
        return await client.status();
      } finally {
        client.close();
      }
    });
  } catch (e) {
    deps.statusBar.reset({ ...base, reachable: false, error: e instanceof Error ? e.message : String(e), checkedAt: new Date() });
    throw e;
  }
  deps.statusBar.reset({ ...base, reachable: true, status, checkedAt: new Date() });
  return { entry, status };
}

function lastPush(lastPushAt: Record<string, string>, project: string | undefined): { lastPushAt?: string } {
  const at = project === undefined ? undefined : lastPushAt[project];
  return at === undefined ? {} : { lastPushAt: at };
}

/** Remo: Install Broker on Node… [name] — uploads the bundled broker + packaging over SFTP, runs the installer with sudo. */
export async function installBrokerOnNode(deps: CommandDeps, nameArg?: unknown, opts?: unknown): Promise<string | undefined> {
  requireTrust("Installing the broker");
  const entry = typeof nameArg === "string" ? await pickNode(deps, nameArg, "") : deps.nodes.workspaceNode() ?? await pickNode(deps, undefined, "Install the broker on which node?");
  const files = await brokerFiles(deps.context.extensionUri);
  // Test mode may pass installer options (REMO_ROOT=…) so a test never installs into the real /.
  const t = testOptions<{ confirm: boolean; env: Record<string, string> }>(opts);
  if (t.confirm !== true) {
    const pick = await vscode.window.showWarningMessage(
      `Install remo-broker on ${entry.target.name} (${describeTarget(entry.target)})?`,
      { modal: true, detail: `Uploads ${files.map((f) => f.path).join(", ")} over SFTP and runs install-node.sh with sudo: it installs /usr/local/lib/remo-broker, a systemd unit, and creates the broker key if none exists.` },
      "Install",
    );
    if (pick !== "Install") throw new Cancelled();
  }
  const log = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Remo: installing the broker on ${entry.target.name}…` }, async () => {
    const { NodeClient } = await import("../node/index.ts");
    const client = await NodeClient.connect(entry.target, entry.pins, nodeClientDeps());
    try {
      return await client.installBroker(files, `/tmp/remo-broker-install-${Date.now().toString(36)}`, t.env === undefined ? {} : { env: t.env });
    } finally {
      client.close();
    }
  });
  getLog().info(`install log from ${entry.target.name}:\n${log}`);
  void vscode.window.showInformationMessage(`Installed remo-broker on ${entry.target.name}. Re-pin the node if the installer created a new key.`, "Re-pin…", "Show Log").then(async (pick) => {
    if (pick === "Re-pin…") await vscode.commands.executeCommand("remo.repinNode", entry.target.name);
    if (pick === "Show Log") getLog().show();
  });
  return log;
}

/** The files the vsix ships for a node install: dist/remo-broker.js, its peercred addon and broker/packaging/*. */
async function brokerFiles(extensionUri: vscode.Uri): Promise<{ path: string; content: Uint8Array; mode: number }[]> {
  const fs = vscode.workspace.fs;
  const out: { path: string; content: Uint8Array; mode: number }[] = [];
  const broker = vscode.Uri.joinPath(extensionUri, "dist", "remo-broker.js");
  try {
    out.push({ path: "remo-broker.js", content: await fs.readFile(broker), mode: 0o755 });
    // The broker verifies container peers with this addon, loaded from next to remo-broker.js;
    // a build without a C compiler has none, and install.sh then warns on the node.
    const addon = await fs.readFile(vscode.Uri.joinPath(extensionUri, "dist", "peercred.node")).then((c) => c, () => undefined);
    if (addon !== undefined) out.push({ path: "peercred.node", content: addon, mode: 0o755 });
    const pkg = vscode.Uri.joinPath(extensionUri, "broker", "packaging");
    for (const [name, type] of await fs.readDirectory(pkg)) {
      if (type !== vscode.FileType.File) continue;
      out.push({ path: name, content: await fs.readFile(vscode.Uri.joinPath(pkg, name)), mode: name.endsWith(".sh") ? 0o755 : 0o644 });
    }
  } catch {
    throw new CommandError("not_available", "This build of the extension does not include the broker files (dist/remo-broker.js, dist/peercred.node, broker/packaging/). Reinstall the extension, or install the broker on the node by hand (see the README).");
  }
  return out;
}
