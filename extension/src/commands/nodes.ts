// Add / Remove / Re-pin / Select Node. Pinning happens only after the user saw the SHA256
// host key fingerprint and the broker's age recipient.
import * as vscode from "vscode";
import { homedir, userInfo } from "node:os";
import type { NodePins, NodeTarget } from "../node/node-target.ts";
import { describeTarget } from "../node/node-target.ts";
import { expandSshPath, listSshHosts, resolveSshHost } from "../node/ssh-config.ts";
import { nodeNamePattern } from "../node/node-registry.ts";
import { readSettings } from "../settings.ts";
import { getLog } from "../log.ts";
import { Cancelled, CommandError } from "../ui/command-error.ts";
import { nodeClientDeps, testOptions, type CommandDeps } from "../ui/deps.ts";
import { checkProjectPath, defaultProjectPath, parseHostSpec, type HostSpec } from "../node/host-spec.ts";
import { windowLocation, windowProposal } from "../workspace/workspace-node.ts";
import { basename, requireTrust, resolveFolder } from "../workspace/workspace-files.ts";

/**
 * Test-mode options of Add Node: a full target, an automatic confirmation, and `pins` that
 * replace what the probe saw (to stand for a node whose key changed after it was pinned).
 */
interface AddNodeOptions { target: NodeTarget; confirm: boolean; pins: NodePins; fromWindow: boolean; add: boolean; brokerCommand: string }

/** Remo: Add Node… — resolve the alias, probe, show fingerprint + recipient, pin on confirm. */
export async function addNode(deps: CommandDeps, opts?: unknown, how: { fromWindow?: boolean } = {}): Promise<string | undefined> {
  requireTrust("Adding a node");
  const t = testOptions<AddNodeOptions>(opts);
  const folder = await resolveFolder({ need: "folder", placeHolder: "Add a node for which folder?" });
  const fromWindow = t.fromWindow === true || how.fromWindow === true;
  const asked = t.target ?? distinctName(deps, fromWindow ? await targetFromWindow(folder, t.confirm !== true) : await askTarget(folder));
  // The loopback test node runs its broker through a wrapper instead of `remo-broker` on PATH.
  const target = t.brokerCommand === undefined ? asked : { ...asked, brokerCommand: t.brokerCommand };
  if (!nodeNamePattern.test(target.name)) throw new CommandError("bad_input", `"${target.name}" cannot name a node: use letters, digits, . _ @ - (at most 64).`);
  const probed = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Remo: connecting to ${describeTarget(target)}…` },
    async () => {
      const { probeNode } = await import("../node/index.ts");
      return await probeNode(target, nodeClientDeps());
    },
  );
  const pins = pinsOf(probed);
  if (t.confirm !== true) {
    const pick = await vscode.window.showWarningMessage(
      `Pin ${target.name} (${describeTarget(target)})?`,
      {
        modal: true,
        detail: `Host key: ${probed.hostKeySha256}\n${probed.jumpHostKeySha256 === undefined ? "" : `Jump host ${target.proxyJump ?? ""} key: ${probed.jumpHostKeySha256}\n`}Broker recipient: ${probed.recipient}\n\nCompare them on the machines themselves before you confirm: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub (on the node and on the jump host) and remo-broker admin get-public-key (on the node). Remo will refuse to push if any of them changes later.`,
      },
      "Pin and Add",
    );
    if (pick !== "Pin and Add") throw new Cancelled();
  }
  await deps.nodes.upsert(target, t.pins ?? pins);
  // A second node of the same folder is added beside the first (Push can then push to all).
  const bound = deps.nodes.folderNodes(folder.uri.toString()).filter((e) => e.target.name !== target.name);
  const add = t.add ?? (bound.length > 0 && t.confirm !== true ? await askKeepOthers(bound.map((e) => e.target.name), target.name) : false);
  await deps.nodes.bindFolder(target.name, { folder: folder.uri.toString(), add });
  getLog().info(`pinned node ${target.name} (${describeTarget(target)}) host key ${probed.hostKeySha256}`);
  deps.statusBar.reset({ node: target.name });
  void vscode.window.showInformationMessage(`Added node ${target.name}. ${folder.name} pushes to it${add ? " besides its other nodes" : ""}.`);
  return target.name;
}

/**
 * A node is one (host, project path) pair: a second project on the same host gets its own
 * name instead of silently replacing the first one's target and pins.
 */
function distinctName(deps: CommandDeps, target: NodeTarget): NodeTarget {
  const taken = (n: string): boolean => {
    const e = deps.nodes.get(n);
    return e !== undefined && (e.target.host !== target.host || e.target.projectPath !== target.projectPath || e.target.port !== target.port);
  };
  if (!taken(target.name)) return target;
  const project = target.projectPath.split("/").filter((x) => x !== "").pop() ?? "project";
  const base = `${target.name}-${project}`.replace(/[^A-Za-z0-9._@-]/g, "-").slice(0, 60);
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!taken(name)) return { ...target, name };
  }
}

/** The window's own host; the project path is confirmed in an input box unless `ask` is false (test mode). */
async function targetFromWindow(folder: vscode.WorkspaceFolder, ask: boolean): Promise<NodeTarget> {
  const p = windowProposal(folder);
  if (p === undefined) {
    const loc = windowLocation(folder);
    throw new CommandError("no_node", loc.kind === "none" ? loc.message : "This window names no node.");
  }
  let projectPath = p.projectPath ?? defaultProjectPath(p.user ?? userInfo().username, basename(folder.uri));
  if (ask) {
    const typed = await vscode.window.showInputBox({
      title: `Remo: where is ${folder.name} on ${p.alias}?`,
      prompt: "The project's path on the node, as this window sees it (press Enter to confirm)",
      value: projectPath,
      ignoreFocusOut: true,
      validateInput: checkProjectPath,
    });
    if (typed === undefined) throw new Cancelled();
    projectPath = typed;
  }
  return await resolveTarget(p, projectPath, await readSshConfig());
}

async function askKeepOthers(others: string[], name: string): Promise<boolean> {
  const keep = `Push to ${others.join(", ")} and ${name}`;
  const pick = await vscode.window.showQuickPick([{ label: `Push to ${name} only`, add: false }, { label: keep, add: true }], { title: `Remo: this folder already pushes to ${others.join(", ")}` });
  if (pick === undefined) throw new Cancelled();
  return pick.add;
}

/** Remo: Re-pin Node… [name] — probes again and replaces the pins after confirmation. */
export async function repinNode(deps: CommandDeps, nameArg?: unknown, opts?: unknown): Promise<string | undefined> {
  requireTrust("Re-pinning a node");
  const entry = await pickNode(deps, nameArg, "Re-pin which node?");
  const probed = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Remo: reading ${entry.target.name}'s host key and recipient…` },
    async () => {
      const { probeNode } = await import("../node/index.ts");
      return await probeNode(entry.target, nodeClientDeps());
    },
  );
  const same = probed.hostKeySha256 === entry.pins.hostKeySha256 && probed.recipient === entry.pins.recipient && probed.jumpHostKeySha256 === entry.pins.jumpHostKeySha256;
  if (testOptions<{ confirm: boolean }>(opts).confirm !== true) {
    const line = (label: string, old: string | undefined, now: string): string => `${label}\n  pinned: ${old ?? "(none)"}\n  now:    ${now}${old === now ? "  (unchanged)" : "  (CHANGED)"}`;
    const pick = await vscode.window.showWarningMessage(
      same ? `${entry.target.name} still has the pinned host key and recipient.` : `Replace the pins of ${entry.target.name}?`,
      { modal: true, detail: `${line("Host key", entry.pins.hostKeySha256, probed.hostKeySha256)}\n${probed.jumpHostKeySha256 === undefined ? "" : `${line("Jump host key", entry.pins.jumpHostKeySha256, probed.jumpHostKeySha256)}\n`}${line("Recipient", entry.pins.recipient, probed.recipient)}\n\nOnly re-pin when you verified the new values on the node itself.` },
      "Re-pin",
    );
    if (pick !== "Re-pin") throw new Cancelled();
  }
  await deps.nodes.setPins(entry.target.name, pinsOf(probed));
  getLog().info(`re-pinned node ${entry.target.name}: host key ${probed.hostKeySha256}`);
  void vscode.window.showInformationMessage(`Re-pinned ${entry.target.name}.`);
  return entry.target.name;
}

/** Remo: Remove Node… [name] */
export async function removeNode(deps: CommandDeps, nameArg?: unknown): Promise<string | undefined> {
  const entry = await pickNode(deps, nameArg, "Remove which node?");
  await deps.nodes.remove(entry.target.name);
  // A node added later under the same name may be another machine: its projects are asked about afresh.
  await deps.approvals.revoke(entry.target.name);
  const ws = deps.nodes.workspaceNode();
  deps.statusBar.reset(ws === undefined ? {} : { node: ws.target.name });
  void vscode.window.showInformationMessage(`Removed node ${entry.target.name}, its pins and its approvals. Secrets already pushed stay on it until you clear them there.`);
  return entry.target.name;
}

/** Remo: Select Node for This Workspace… [name] */
export async function selectNode(deps: CommandDeps, nameArg?: unknown): Promise<string | undefined> {
  const entry = await pickNode(deps, nameArg, "Which node does this workspace push to?");
  await deps.nodes.setWorkspaceNode(entry.target.name);
  deps.statusBar.reset({ node: entry.target.name });
  return entry.target.name;
}

/** The node named by `nameArg`, or the user's pick among stored nodes. */
export async function pickNode(deps: CommandDeps, nameArg: unknown, title: string): Promise<NonNullable<ReturnType<CommandDeps["nodes"]["get"]>>> {
  if (typeof nameArg === "string") {
    const e = deps.nodes.get(nameArg);
    if (e === undefined) throw new CommandError("no_node", `There is no node called ${nameArg}. Add it with "Remo: Add Node…".`);
    return e;
  }
  const all = deps.nodes.list();
  if (all.length === 0) throw new CommandError("no_node", "No nodes yet. Add one with \"Remo: Add Node…\".");
  const picked = await vscode.window.showQuickPick(
    all.map((e) => ({ label: e.target.name, description: describeTarget(e.target), detail: e.target.projectPath, entry: e })),
    { title: `Remo: ${title}` },
  );
  if (picked === undefined) throw new Cancelled();
  return picked.entry;
}

/** The user's ssh client config (the remo.ssh.configFile setting, else ~/.ssh/config), read once per Add Node. */
interface SshConfigFile { path: string; text: string | undefined }

async function readSshConfig(): Promise<SshConfigFile> {
  const path = readSettings().sshConfigFile ?? `${homedir()}/.ssh/config`;
  return { path, text: await readLocal(path) };
}

/** Builds a target for `spec` through the user's ssh config (identity files, port, jump host). */
async function resolveTarget(spec: { alias: string; user?: string; port?: number }, projectPath: string, config: SshConfigFile, name = spec.alias): Promise<NodeTarget> {
  const resolved = resolveSshHost(spec.alias, config.text);
  const local = userInfo().username;
  const user = spec.user ?? resolved.user ?? local;
  const identityFile = await firstExisting(resolved.identityFiles.map((f) => expandSshPath(f, { home: homedir(), localUser: local, host: resolved.host, remoteUser: user })));
  const port = spec.port ?? resolved.port;
  return {
    name,
    host: resolved.host,
    user,
    projectPath,
    ...(port === undefined ? {} : { port }),
    ...(identityFile === undefined ? {} : { identityFile }),
    ...(resolved.proxyJump === undefined ? {} : { proxyJump: resolved.proxyJump }),
  };
}

async function askTarget(folder: vscode.WorkspaceFolder): Promise<NodeTarget> {
  const config = await readSshConfig();
  const aliases = listSshHosts(config.text);
  const proposal = windowProposal(folder);
  let spec: HostSpec | undefined;
  const here = proposal === undefined ? undefined : `$(remote) ${proposal.user === undefined ? "" : `${proposal.user}@`}${proposal.alias}`;
  if (aliases.length > 0 || here !== undefined) {
    const other = "$(edit) Another host…";
    const items: vscode.QuickPickItem[] = [
      ...(here === undefined || proposal === undefined ? [] : [{ label: here, description: `this window's host (${proposal.via})`, ...(proposal.projectPath === undefined ? {} : { detail: proposal.projectPath }) }]),
      ...aliases.filter((a) => a !== proposal?.alias).map((a) => ({ label: a })),
      { label: other },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: "Remo: which SSH host runs the broker?", placeHolder: here === undefined ? `Hosts from ${config.path}` : "This window's host comes first" });
    if (pick === undefined) throw new Cancelled();
    if (pick.label === here && proposal !== undefined) spec = { alias: proposal.alias, ...(proposal.user === undefined ? {} : { user: proposal.user }), ...(proposal.port === undefined ? {} : { port: proposal.port }) };
    else if (pick.label !== other) spec = { alias: pick.label };
  }
  if (spec === undefined) {
    const typed = await vscode.window.showInputBox({
      title: "Remo: node SSH target",
      prompt: "An ssh config alias or user@host[:port]",
      ignoreFocusOut: true,
      validateInput: (v) => { const r = parseHostSpec(v); return "error" in r ? r.error : undefined; },
    });
    if (typed === undefined) throw new Cancelled();
    const parsed = parseHostSpec(typed);
    if ("error" in parsed) throw new CommandError("bad_input", parsed.error);
    spec = parsed;
  }
  const proposedPath = proposal?.alias === spec.alias ? proposal.projectPath : undefined;
  const user = spec.user ?? resolveSshHost(spec.alias, config.text).user ?? userInfo().username;
  const projectPath = await vscode.window.showInputBox({
    title: `Remo: where is ${folder.name} on ${spec.alias}?`,
    prompt: proposedPath !== undefined ? "The project's path on the node, as this window sees it (press Enter to confirm)" : "The project's absolute path on the node (the broker reads the manifest there)",
    value: proposedPath ?? defaultProjectPath(user, basename(folder.uri)),
    ignoreFocusOut: true,
    validateInput: checkProjectPath,
  });
  if (projectPath === undefined) throw new Cancelled();
  return await resolveTarget(spec, projectPath, config);
}

async function readLocal(path: string): Promise<string | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  const { access } = await import("node:fs/promises");
  for (const p of paths) {
    try {
      await access(p);
      return p;
    } catch {
      // try the next one, as ssh does
    }
  }
  return undefined;
}

/** The pins of what a probe saw; the jump host's key is pinned like the node's when there is one. */
function pinsOf(probed: { hostKeySha256: string; recipient: string; jumpHostKeySha256?: string }): NodePins {
  return { hostKeySha256: probed.hostKeySha256, ...(probed.jumpHostKeySha256 === undefined ? {} : { jumpHostKeySha256: probed.jumpHostKeySha256 }), recipient: probed.recipient, pinnedAt: new Date().toISOString() };
}
