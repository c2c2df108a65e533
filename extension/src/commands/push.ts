// Push Secrets, Clear Secrets on Node, and the push reminder. ssh2/age-encryption load
// only here, through a dynamic import of push/ and node/ (their own bundles, loaded on first use).
import * as vscode from "vscode";
import { approveForPush } from "../approvals/approve-for-push.ts";
import { describeAge, isPushDue } from "../status/reminders.ts";
import { readSettings } from "../settings.ts";
import { getLog } from "../log.ts";
import { refreshBrokerStatus } from "./broker.ts";
import type { NodeEntry } from "../node/node-registry.ts";
import { requireWorkspaceNode } from "../workspace/workspace-node.ts";
import { choosePushNodes, folderNodeNamed } from "./push-targets.ts";
import { pushToMany, type MultiPushOutcome } from "./push-many.ts";
import type { PushOutcome } from "./push-runs.ts";
import { Cancelled, CommandError } from "../ui/command-error.ts";
import { isTestMode, nodeClientDeps, testOptions, type CommandDeps } from "../ui/deps.ts";
import { setSecret } from "./secrets.ts";
import { folderWithoutAsking, requireManifest, requireTrust, resolveFolder } from "../workspace/workspace-files.ts";

/**
 * Remo: Push Secrets — the approved values, age-encrypted to the pinned recipient, over pinned
 * SSH. `onlyNode` (a node's row in the Remo view) pushes to that node without asking which.
 */
export async function pushSecrets(deps: CommandDeps, opts?: unknown, onlyNode?: string, invokedOn?: unknown): Promise<PushOutcome | MultiPushOutcome | undefined> {
  requireTrust("Pushing secrets");
  const t = testOptions<{ allowMissing: boolean }>(opts);
  const folder = await resolveFolder({ need: "project", invoked: invokedOn, placeHolder: "Push which project's secrets?" });
  const { manifest } = await requireManifest(folder);
  const entries = onlyNode === undefined ? await choosePushNodes(deps, folder, opts) : [folderNodeNamed(deps, folder, onlyNode)];
  // The approval step, one node at a time (a prompt each): from here on only names the user
  // approved for this project on that node are read, sent or registered.
  const approvals = new Map<string, { names: string[]; declined: string[] }>();
  for (const entry of entries) {
    const approval = await approveForPush(deps.approvals, {
      node: entry.target.name,
      project: manifest.project.name,
      projectPath: entry.target.projectPath,
      allowlist: manifest.allowlist,
      entries: deps.secrets.entries(),
      log: (line) => { getLog().info(line); },
    });
    if (approval === undefined) throw new Cancelled();
    approvals.set(entry.target.name, approval);
  }
  const allowlist = [...new Set([...approvals.values()].flatMap((a) => a.names))];
  // Each value is read once per push, even when a source is a command.
  const values = new Map<string, string | undefined>();
  const lookup = async (name: string): Promise<string | undefined> => {
    if (!values.has(name)) values.set(name, await deps.secrets.get(name));
    return values.get(name);
  };
  const missing: string[] = [];
  for (const name of allowlist) if (await lookup(name) === undefined) missing.push(name);
  if (missing.length > 0 && t.allowMissing !== true) {
    if (isTestMode()) throw new CommandError("missing_values", `No value for ${missing.join(", ")}.`, { names: missing });
    const pick = await vscode.window.showWarningMessage(
      `${missing.length} allowlisted secret(s) have no value here: ${missing.join(", ")}.`,
      { modal: true, detail: "Set them now, or push the others (containers then get not_found for the missing ones)." },
      "Set Now", "Push Without Them",
    );
    if (pick === undefined) throw new Cancelled();
    if (pick === "Set Now") {
      for (const name of missing) {
        await setSecret(deps, name);
        values.delete(name);
      }
    }
  }
  const settings = readSettings(folder.uri);
  const push = (entry: NodeEntry): Promise<PushOutcome> => {
    const approval = approvals.get(entry.target.name) ?? { names: [], declined: [] };
    return pushToNode(deps, entry, { name: manifest.project.name, allowlist: approval.names }, approval.declined, lookup, settings.registerProject);
  };
  const [only] = entries;
  if (entries.length === 1 && only !== undefined) {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Remo: pushing secrets to ${only.target.name}…` },
      async () => await push(only),
    );
    const tail = outcome.missing.length === 0 ? "" : ` (no value for ${outcome.missing.join(", ")})`;
    const declined = outcome.declined.length === 0 ? "" : ` Not approved, so not sent: ${outcome.declined.join(", ")}.`;
    void vscode.window.showInformationMessage(`Pushed ${outcome.secretCount} secrets to ${only.target.name}${tail}.${declined}`);
    return outcome;
  }
  return await pushToMany(entries, manifest.project.name, push);
}

/** One node's push: encrypt, send, record the time, refresh the status bar. No notification. */
async function pushToNode(deps: CommandDeps, entry: NodeEntry, project: { name: string; allowlist: string[] }, declined: string[], lookup: (name: string) => Promise<string | undefined>, register: boolean): Promise<PushOutcome> {
  const mod = await import("../push/index.ts");
  const registeredPath = deps.approvals.registeredPath(entry.target.name, project.name) ?? registeredOnSameBroker(deps, entry, project.name);
  const result = await mod.pushSecrets(
    { target: entry.target, pins: entry.pins, project, lookup, register, ...(registeredPath === undefined ? {} : { registeredPath }) },
    nodeClientDeps(),
  );
  if (result.registered) await deps.approvals.recordRegistered(entry.target.name, project.name, entry.target.projectPath);
  const now = new Date();
  await deps.nodes.recordPush(entry.target.name, project.name, now);
  if (deps.nodes.workspaceNode()?.target.name === entry.target.name) {
    deps.statusBar.update({ node: entry.target.name, project: project.name, lastPushAt: now.toISOString() });
    // Refresh the status bar's count and load time in the background (its own short connection).
    void refreshBrokerStatus(deps).catch((e: unknown) => { getLog().warn(`status after push: ${e instanceof Error ? e.message : String(e)}`); });
  }
  getLog().info(`pushed ${result.secretCount} secret(s) for ${project.name} to ${entry.target.name}; missing: ${result.missing.length}`);
  return { node: entry.target.name, project: project.name, ...result, approved: project.allowlist, declined };
}

/**
 * The path this laptop registered `project` from under another node name that is the same
 * broker (same pinned host key and recipient, same project path): two names for one machine
 * must not make the second push look like someone else's registration.
 */
function registeredOnSameBroker(deps: CommandDeps, entry: NodeEntry, project: string): string | undefined {
  const { hostKeySha256, recipient } = entry.pins;
  if (hostKeySha256 === undefined || recipient === undefined) return undefined;
  for (const other of deps.nodes.list()) {
    if (other.target.name === entry.target.name || other.pins.hostKeySha256 !== hostKeySha256 || other.pins.recipient !== recipient) continue;
    const path = deps.approvals.registeredPath(other.target.name, project);
    if (path !== undefined && path === entry.target.projectPath) return path;
  }
  return undefined;
}

/** Remo: Clear Secrets on Node — drops this project's bundle from the node (clear-creds). */
export async function clearSecretsOnNode(deps: CommandDeps, opts?: unknown): Promise<string | undefined> {
  // A node action like any other: an untrusted workspace must not make the laptop run commands on a node.
  requireTrust("Clearing secrets on a node");
  const folder = await resolveFolder({ need: "project", placeHolder: "Clear which project's secrets?" });
  const { manifest } = await requireManifest(folder);
  const entry = requireWorkspaceNode(deps, folder);
  if (testOptions<{ confirm: boolean }>(opts).confirm !== true) {
    const pick = await vscode.window.showWarningMessage(
      `Clear ${manifest.project.name}'s secrets on ${entry.target.name}?`,
      { modal: true, detail: "The broker forgets them and overwrites its bundle file; containers get not_found until you push again." },
      "Clear",
    );
    if (pick !== "Clear") throw new Cancelled();
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Remo: clearing secrets on ${entry.target.name}…` }, async () => {
    const { NodeClient } = await import("../node/index.ts");
    const client = await NodeClient.connect(entry.target, entry.pins, nodeClientDeps());
    try {
      await client.clear(manifest.project.name);
    } finally {
      client.close();
    }
  });
  void vscode.window.showInformationMessage(`Cleared ${manifest.project.name}'s secrets on ${entry.target.name}.`);
  return entry.target.name;
}

/** Shows the push reminder once when the workspace's node is due (remo.push.reminderDays). */
export async function remindIfPushDue(deps: CommandDeps, now = new Date()): Promise<boolean> {
  // A reminder never asks which folder: it speaks of the folder a command would pick on its own.
  const folder = await folderWithoutAsking("project");
  const entry = folder === undefined ? undefined : deps.nodes.workspaceNode(folder.uri.toString());
  if (folder === undefined || entry === undefined || !vscode.workspace.isTrusted) return false;
  const manifest = await requireManifest(folder).catch(() => undefined);
  if (manifest === undefined) return false;
  const last = entry.lastPushAt[manifest.manifest.project.name];
  const days = readSettings(folder.uri).reminderDays;
  if (!isPushDue(last, now, days)) return false;
  const pick = await vscode.window.showInformationMessage(
    last === undefined
      ? `${manifest.manifest.project.name}'s secrets were never pushed to ${entry.target.name} from this laptop.`
      : `${manifest.manifest.project.name}'s secrets on ${entry.target.name} were last pushed ${describeAge(last, now)}.`,
    "Push Now", "Not Now",
  );
  if (pick === "Push Now") await vscode.commands.executeCommand("remo.pushSecrets");
  return true;
}
