// The approval step of a push: which of the manifest's names this project may receive on this
// node. Asks only when the manifest names something not approved yet; narrows silently.
import type { SecretEntry } from "../secrets/secret-store.ts";
import { applyAnswer, planApproval } from "./approval-model.ts";
import { askApproval } from "./approval-prompt.ts";
import type { ApprovalStore } from "./approval-store.ts";

/** The outcome of the approval step. */
export interface ApprovalOutcome {
  /** The names this push may send and register with: approved and still in the manifest. */
  names: string[];
  /** Names the user was asked about and approved just now. */
  approvedNow: string[];
  /** Names the manifest lists that stay unapproved (the user unchecked them); not sent. */
  declined: string[];
}

/** Where a name's value would come from, in words (the order SecretStore.get reads them in). */
export function describeSource(entry: SecretEntry | undefined): string {
  if (entry?.stored === true) return "stored in VS Code secret storage";
  if (entry?.source?.kind === "env") return `from the environment variable ${entry.source.variable}`;
  if (entry?.source?.kind === "command") return `from the command ${entry.source.argv[0]}`;
  return "no value on this laptop yet";
}

/**
 * Decides what a push of `allowlist` to (node, project) may send. Resolves undefined when the
 * user dismissed the question: the caller then sends nothing.
 */
export async function approveForPush(store: ApprovalStore, req: {
  node: string;
  project: string;
  projectPath: string;
  allowlist: readonly string[];
  entries: readonly SecretEntry[];
  log?: (line: string) => void;
}): Promise<ApprovalOutcome | undefined> {
  const plan = planApproval(store.get(req.node, req.project)?.names, req.allowlist);
  if (!plan.ask) {
    if (plan.record !== undefined) {
      await store.approve(req.node, req.project, plan.record);
      req.log?.(`approval for ${req.project} on ${req.node}: ${plan.record.join(", ") || "(none)"}`);
    }
    return { names: plan.names, approvedNow: [], declined: [] };
  }
  const byName = new Map(req.entries.map((e) => [e.name, e]));
  req.log?.(`asking to approve ${plan.diff.added.join(", ")} for ${req.project} on ${req.node}`);
  const checked = await askApproval({
    node: req.node,
    project: req.project,
    projectPath: req.projectPath,
    diff: plan.diff,
    describeSource: (name) => describeSource(byName.get(name)),
  });
  if (checked === undefined) return undefined;
  const answer = applyAnswer(plan.diff, checked, req.allowlist);
  await store.approve(req.node, req.project, answer.approved);
  req.log?.(`approved for ${req.project} on ${req.node}: ${answer.approved.join(", ") || "(none)"}`);
  return { names: answer.names, approvedNow: answer.approvedNow, declined: answer.declined };
}
