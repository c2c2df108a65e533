// Remo: Review Approved Secrets… — which names each project may receive on each node, and revoking them.
import * as vscode from "vscode";
import type { Approval } from "../approvals/approval-model.ts";
import { getLog } from "../log.ts";
import { Cancelled } from "../ui/command-error.ts";
import { testOptions, type CommandDeps } from "../ui/deps.ts";

/** Test-mode options: list without prompting, or revoke one approval without the pickers. */
interface ReviewOptions { quiet: boolean; revoke: { node: string; project: string } }

/** Lists approvals; picking one offers to revoke it. Returns the approvals left. */
export async function reviewApprovals(deps: CommandDeps, opts?: unknown): Promise<Approval[]> {
  const t = testOptions<ReviewOptions>(opts);
  if (t.revoke !== undefined) {
    await revoke(deps, t.revoke.node, t.revoke.project);
    return deps.approvals.list();
  }
  const all = deps.approvals.list();
  if (t.quiet === true) return all;
  if (all.length === 0) {
    void vscode.window.showInformationMessage("No secrets are approved for any project yet. The first push of a project asks which names it may receive on its node.");
    return all;
  }
  type Item = vscode.QuickPickItem & { approval: Approval };
  const items: Item[] = all.map((a) => ({
    approval: a,
    label: `${a.project} on ${a.node}`,
    description: a.names.length === 0 ? "no names" : a.names.join(", "),
    detail: `approved ${new Date(a.approvedAt).toLocaleString()}`,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: "Remo: approved secrets per project and node", placeHolder: "Pick one to revoke it", matchOnDescription: true });
  if (picked === undefined) throw new Cancelled();
  const { node, project, names } = picked.approval;
  const choice = await vscode.window.showWarningMessage(
    `Revoke the approval of ${names.length === 0 ? "no names" : names.join(", ")} for ${project} on ${node}?`,
    { modal: true, detail: "The next push of this project to this node asks again before it sends anything. What was already sent stays on the node until you push again or run \"Remo: Clear Secrets on Node\"." },
    "Revoke",
  );
  if (choice !== "Revoke") throw new Cancelled();
  await revoke(deps, node, project);
  return deps.approvals.list();
}

async function revoke(deps: CommandDeps, node: string, project: string): Promise<void> {
  const n = await deps.approvals.revoke(node, project);
  getLog().info(`revoked the approval for ${project} on ${node} (${String(n)} removed)`);
  void vscode.window.showInformationMessage(n === 0 ? `Nothing was approved for ${project} on ${node}.` : `Revoked: the next push of ${project} to ${node} asks again.`);
}
