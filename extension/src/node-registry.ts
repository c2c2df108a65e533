// Nodes (SSH targets + the project's path on them) and their pins, kept in globalState so
// they follow the user across workspaces; which node a workspace uses is workspaceState.
import type * as vscode from "vscode";
import type { NodePins, NodeTarget } from "./nodes/node-target.ts";

const nodesKey = "remo.nodes.v1";
const workspaceNodeKey = "remo.workspaceNode";

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
  constructor(private readonly global: Memento, private readonly workspace: Memento) {}

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

  /** The workspace's node: the one chosen for it, else the only node there is. */
  workspaceNode(): NodeEntry | undefined {
    const all = this.read();
    const chosen = this.workspace.get<string>(workspaceNodeKey);
    if (chosen !== undefined && all[chosen] !== undefined) return all[chosen];
    const values = Object.values(all);
    return values.length === 1 ? values[0] : undefined;
  }

  /** Chooses the node this workspace pushes to. */
  async setWorkspaceNode(name: string | undefined): Promise<void> {
    await this.workspace.update(workspaceNodeKey, name);
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
