// The question before a push sends a name the user has not approved for this project on this
// node: a multi-select list of exactly those names, each with where its value would come from.
import * as vscode from "vscode";
import type { AllowlistDiff } from "./approval-model.ts";

/** What the prompt asks about. */
export interface ApprovalRequest {
  node: string;
  project: string;
  projectPath: string;
  diff: AllowlistDiff;
  /** Where a name's value would come from, in words (never the value). */
  describeSource(name: string): string;
}

/** The prompt as shown, for the test harness to check what the user saw. */
export interface ShownApprovalPrompt {
  title: string;
  placeholder: string;
  items: { name: string; description: string; checked: boolean }[];
}

let shown: ShownApprovalPrompt | undefined;

/** The approval prompt that is open now, if any (read by the in-VS-Code tests through the extension's exports). */
export function shownApprovalPrompt(): ShownApprovalPrompt | undefined {
  return shown;
}

/**
 * Asks which of the added names this project may receive on this node. Resolves to the names
 * the user left checked, or undefined when the prompt was dismissed (nothing is approved).
 */
export function askApproval(req: ApprovalRequest): Promise<string[] | undefined> {
  const { diff } = req;
  const title = diff.first
    ? `Remo: send these secrets to ${req.project} on ${req.node}?`
    : `Remo: ${req.project}'s manifest asks for ${String(diff.added.length)} more secret(s) on ${req.node}`;
  const removed = diff.removed.length === 0 ? "" : ` No longer asked for (not sent any more): ${diff.removed.join(", ")}.`;
  const placeholder = `Checked names are approved for ${req.project} (${req.projectPath}) on ${req.node} and sent with this push; uncheck any it should not get, then press Enter. Escape sends nothing.${removed}`;
  type Item = vscode.QuickPickItem & { name: string };
  const items: Item[] = diff.added.map((name) => ({
    name,
    label: name,
    description: req.describeSource(name),
    ...(diff.first ? {} : { detail: `new in the manifest since you last approved ${req.project} on ${req.node}` }),
  }));
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = title;
  qp.placeholder = placeholder;
  qp.canSelectMany = true;
  qp.ignoreFocusOut = true;
  qp.matchOnDescription = true;
  qp.items = items;
  qp.selectedItems = items;
  return new Promise((resolve) => {
    let done = false;
    const finish = (names: string[] | undefined): void => {
      if (done) return;
      done = true;
      shown = undefined;
      qp.dispose();
      resolve(names);
    };
    qp.onDidAccept(() => { finish(qp.selectedItems.map((i) => i.name)); });
    qp.onDidHide(() => { finish(undefined); });
    qp.onDidChangeSelection((sel) => {
      if (shown !== undefined) shown = { ...shown, items: shown.items.map((i) => ({ ...i, checked: sel.some((s) => s.name === i.name) })) };
    });
    shown = { title, placeholder, items: items.map((i) => ({ name: i.name, description: i.description ?? "", checked: true })) };
    qp.show();
  });
}
