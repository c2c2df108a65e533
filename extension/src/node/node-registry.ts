// Nodes (SSH targets + the project's path on them) and their pins, kept in globalState so
// they follow the user across workspaces. Which nodes a workspace folder pushes to is kept per
// folder URI, also in globalState: the same project checked out on the laptop and opened on
// the node through Remote-SSH has two URIs and keeps two bindings.
import type * as vscode from "vscode";
import type { NodePins, NodeTarget } from "./node-target.ts";

const nodesKey = "remo.nodes.v1";
const workspaceNodeKey = "remo.workspaceNode";
const folderNodesKey = "remo.folderNodes.v1";

/** A node as stored: its target, its pins and when each project was last pushed to it. */
export interface NodeEntry {
  target: NodeTarget;
  pins: NodePins;
  /** project name → RFC 3339 time of the last successful push. */
  lastPushAt: Record<string, string>;
}

type Memento = Pick<vscode.Memento, "get" | "update">;

/** Node names are shown in menus and the status bar; keep them short and plain. */
export const nodeNamePattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Stored nodes and the workspace's choice among them. */
export class NodeRegistry {
  /** `currentFolder` names the folder (URI string) that calls without one mean. */
  constructor(private readonly global: Memento, private readonly workspace: Memento, private readonly currentFolder: () => string | undefined = () => undefined) {}

  /** All nodes, sorted by name. */
  list(): NodeEntry[] {
    return Object.values(this.read()).sort((a, b) => a.target.name.localeCompare(b.target.name));
  }

  /** The node called `name`, if any. */
  get(name: string): NodeEntry | undefined {
    return this.read()[name];
  }

  /** Adds or replaces a node with the pins the user confirmed for it. */
  async upsert(target: NodeTarget, pins: NodePins): Promise<NodeEntry> {
    const all = this.read();
    const old = all[target.name];
    const entry: NodeEntry = { target, pins, lastPushAt: old?.lastPushAt ?? {} };
    all[target.name] = entry;
    await this.write(all);
    return entry;
  }

  /** Replaces the pins of a node (Re-pin). */
  async setPins(name: string, pins: NodePins): Promise<void> {
    const all = this.read();
    const e = all[name];
    if (e === undefined) throw new Error(`unknown node ${name}`);
    all[name] = { ...e, pins };
    await this.write(all);
  }

  /** Removes a node; clears the workspace choice when it pointed at it. */
  async remove(name: string): Promise<boolean> {
    const all = this.read();
    if (all[name] === undefined) return false;
    await this.write(Object.fromEntries(Object.entries(all).filter(([k]) => k !== name)));
    if (this.workspace.get<string>(workspaceNodeKey) === name) await this.workspace.update(workspaceNodeKey, undefined);
    const bindings = this.readBindings();
    for (const [folder, names] of Object.entries(bindings)) {
      const left = names.filter((n) => n !== name);
      if (left.length === 0) Reflect.deleteProperty(bindings, folder);
      else bindings[folder] = left;
    }
    await this.global.update(folderNodesKey, bindings);
    return true;
  }

  /** Records a successful push of `project` at `at`. */
  async recordPush(name: string, project: string, at: Date): Promise<void> {
    const all = this.read();
    const e = all[name];
    if (e === undefined) return;
    all[name] = { ...e, lastPushAt: { ...e.lastPushAt, [project]: at.toISOString() } };
    await this.write(all);
  }

  /**
   * The nodes a folder pushes to, in the order they were bound: its own bindings, else the
   * workspace's older single choice, else the only node there is.
   */
  folderNodes(folder = this.currentFolder()): NodeEntry[] {
    const all = this.read();
    const bound = folder === undefined ? undefined : this.readBindings()[folder];
    const entries = (bound ?? []).map((n) => all[n]).filter((e): e is NodeEntry => e !== undefined);
    if (entries.length > 0) return entries;
    const chosen = this.workspace.get<string>(workspaceNodeKey);
    if (chosen !== undefined && all[chosen] !== undefined) return [all[chosen]];
    const values = Object.values(all);
    return values.length === 1 && values[0] !== undefined ? [values[0]] : [];
  }

  /** The folder's first node (the one Push uses when asked for one). */
  workspaceNode(folder = this.currentFolder()): NodeEntry | undefined {
    return this.folderNodes(folder)[0];
  }

  /** Binds `name` to a folder: as its only node, or (`add`) beside the ones it has. */
  async bindFolder(name: string, opts: { folder?: string; add?: boolean } = {}): Promise<void> {
    const folder = opts.folder ?? this.currentFolder();
    if (folder === undefined) {
      await this.workspace.update(workspaceNodeKey, name);
      return;
    }
    const bindings = this.readBindings();
    const old = opts.add === true ? bindings[folder] ?? this.folderNodes(folder).map((e) => e.target.name) : [];
    bindings[folder] = [...old.filter((n) => n !== name), name];
    await this.global.update(folderNodesKey, bindings);
  }

  /** Drops `name` from a folder's nodes. */
  async unbindFolder(name: string, folder = this.currentFolder()): Promise<void> {
    if (folder === undefined) return;
    const bindings = this.readBindings();
    const left = (bindings[folder] ?? []).filter((n) => n !== name);
    if (left.length === 0) Reflect.deleteProperty(bindings, folder);
    else bindings[folder] = left;
    await this.global.update(folderNodesKey, bindings);
  }

  /** Chooses the one node this workspace's current folder pushes to (undefined: forget the choice). */
  async setWorkspaceNode(name: string | undefined): Promise<void> {
    const folder = this.currentFolder();
    if (name !== undefined) {
      await this.bindFolder(name, folder === undefined ? {} : { folder });
      return;
    }
    await this.workspace.update(workspaceNodeKey, undefined);
    if (folder !== undefined) {
      const bindings = this.readBindings();
      Reflect.deleteProperty(bindings, folder);
      await this.global.update(folderNodesKey, bindings);
    }
  }

  private readBindings(): Record<string, string[]> {
    const raw = this.global.get<unknown>(folderNodesKey);
    if (typeof raw !== "object" || raw === null) return {};
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(v)) out[k] = v.filter((n): n is string => typeof n === "string");
    }
    return out;
  }

  private read(): Record<string, NodeEntry> {
    const raw = this.global.get<unknown>(nodesKey);
    if (typeof raw !== "object" || raw === null) return {};
    const out: Record<string, NodeEntry> = {};
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (isNodeEntry(v) && v.target.name === k) out[k] = v;
    }
    return out;
  }

  private async write(all: Record<string, NodeEntry>): Promise<void> {
    await this.global.update(nodesKey, all);
  }
}

/** A stored value from an older or hand-edited state is dropped rather than crashing a command. */
function isNodeEntry(v: unknown): v is NodeEntry {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Partial<NodeEntry>;
  return typeof e.target === "object" && typeof e.target.name === "string" && typeof e.target.host === "string"
    && typeof e.target.projectPath === "string" && typeof e.pins === "object" && typeof e.lastPushAt === "object";
}
