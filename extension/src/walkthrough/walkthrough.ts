// Remo: Get Started and the internal done-commands that tick a walkthrough step whose state is
// already true (see walkthrough-steps.ts for why they exist and when they run).
import * as vscode from "vscode";
import { getLog } from "../log.ts";
import type { ViewContext } from "../remo-view/view-model.ts";
import { doneCommand, DoneSignals, stepIds, stepState, walkthroughId, type StepId } from "./walkthrough-steps.ts";

/**
 * How long after activation the walkthrough service is assumed to list our walkthrough. Desktop
 * VS Code creates the service at startup but registers an extension's walkthrough only after
 * waiting (up to 5 s) for its experiment service; a done-command before then would be used up.
 */
const settleMs = 10_000;
/** How long Get Started waits for the walkthrough's editor before it signals anyway. */
const openDeadlineMs = 10_000;

/** What the walkthrough needs of the Remo view: its state now and when it changes. */
export interface WalkthroughSource {
  current(): { context: ViewContext };
  readonly onDidChangeContext: vscode.Event<ViewContext>;
}

/** What the command table runs for Remo: Get Started. */
export interface Walkthrough {
  /** Opens the walkthrough, then ticks the steps already done. */
  getStarted(): Promise<void>;
}

/** Registers the done-commands and signals done steps as the view's state changes. */
export function registerWalkthrough(context: vscode.ExtensionContext, view: WalkthroughSource): Walkthrough {
  const signals = new DoneSignals();
  signals.update(view.current().context);
  let settled = false;
  const timer = setTimeout(() => { settled = true; void signal(signals.ready()); }, settleMs);
  context.subscriptions.push(
    { dispose: () => { clearTimeout(timer); } },
    // No-ops: running one is the event the step completes on.
    ...stepIds.filter((s) => stepState[s] !== undefined).map((s) => vscode.commands.registerCommand(doneCommand(s), () => undefined)),
    view.onDidChangeContext((ctx) => { void signal(signals.update(ctx)); }),
    // Opened some other way (Welcome: Open Walkthrough…, the Welcome page): its editor is one of
    // no known kind, and in the browser build the service starts with it. Harmless for others.
    vscode.window.tabGroups.onDidChangeTabs((e) => { if (settled && e.opened.some((t) => t.input === undefined)) void signal(signals.ready()); }),
  );
  return {
    async getStarted() {
      await vscode.commands.executeCommand("workbench.action.openWalkthrough", `${context.extension.id}#${walkthroughId}`, false);
      // The service that lists the walkthrough is created with its editor (in the browser build
      // only then), so the signals wait for that editor.
      await walkthroughEditorShown(openDeadlineMs);
      signals.update(view.current().context);
      await signal(signals.ready());
    },
  };
}

/**
 * Runs the steps' done-commands through the workbench: a command the extension runs on its own
 * stays in the extension host, and the walkthrough service only hears the workbench's commands.
 */
async function signal(steps: StepId[]): Promise<void> {
  if (steps.length === 0) return;
  try {
    await vscode.commands.executeCommand("runCommands", { commands: steps.map(doneCommand) });
  } catch (e) {
    getLog().warn(`walkthrough: could not mark ${steps.join(", ")} done: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Resolves once the active tab is an editor of no known kind (the walkthrough page is one), or at the deadline. */
function walkthroughEditorShown(deadlineMs: number): Promise<void> {
  const shown = (): boolean => {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    return tab !== undefined && tab.input === undefined;
  };
  if (shown()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => { clearTimeout(timer); sub.dispose(); resolve(); };
    const timer = setTimeout(done, deadlineMs);
    const sub = vscode.window.tabGroups.onDidChangeTabs(() => { if (shown()) done(); });
  });
}
