// The approvals kept in the extension's globalState: on the laptop, never in the workspace,
// so a repository cannot approve names for itself.
import type * as vscode from "vscode";
import { approvalKey, listApprovals, parseApprovals, parseRegisteredPaths, withApproval, withoutApproval, type Approval } from "./approval-model.ts";

const approvalsKey = "remo.approvals.v1";
const registeredKey = "remo.registeredPaths.v1";

type Memento = Pick<vscode.Memento, "get" | "update">;

/** Reads and writes {@link Approval}s in a Memento (the extension's globalState). */
export class ApprovalStore {
  constructor(private readonly global: Memento) {}

  /** The approval of one (node, project), if any. */
  get(node: string, project: string): Approval | undefined {
    return this.read()[approvalKey(node, project)];
  }

  /** Every approval, sorted by node then project. */
  list(): Approval[] {
    return listApprovals(this.read());
  }

  /** Records that the user approved exactly `names` for (node, project). */
  async approve(node: string, project: string, names: readonly string[], at = new Date()): Promise<Approval> {
    const all = withApproval(this.read(), { node, project, names, at });
    await this.global.update(approvalsKey, all);
    const entry = all[approvalKey(node, project)];
    if (entry === undefined) throw new Error("approval was not recorded");
    return entry;
  }

  /** The project path this laptop registered (node, project) with, if it did. */
  registeredPath(node: string, project: string): string | undefined {
    return parseRegisteredPaths(this.global.get<unknown>(registeredKey))[approvalKey(node, project)];
  }

  /**
   * Records the project path this laptop registered (node, project) with: a later
   * `project_exists` from an older broker is then known to be this project, not another one.
   */
  async recordRegistered(node: string, project: string, path: string): Promise<void> {
    const all = parseRegisteredPaths(this.global.get<unknown>(registeredKey));
    if (all[approvalKey(node, project)] === path) return;
    await this.global.update(registeredKey, { ...all, [approvalKey(node, project)]: path });
  }

  /** Forgets one approval, or every approval of a node; returns how many were removed. */
  async revoke(node: string, project?: string): Promise<number> {
    const before = this.read();
    const after = withoutApproval(before, node, project);
    await this.global.update(approvalsKey, after);
    return Object.keys(before).length - Object.keys(after).length;
  }

  private read(): Record<string, Approval> {
    return parseApprovals(this.global.get<unknown>(approvalsKey));
  }
}
