// Which walkthrough steps are done, given the state the Remo view sees, and which of them the
// extension still has to signal. Pure: no vscode, no I/O.
//
// Why signals at all: VS Code's walkthrough service treats an `onContext:` completion event whose
// expression is already true when it registers the walkthrough as seen, and never completes the
// step from it; and each completion event counts once per window. So every step with a state
// also completes on an internal command, which the extension runs through the workbench once the
// service listens (after it opens the walkthrough itself, and once the window has settled).
import type { ViewContext } from "../remo-view/view-model.ts";

/** The walkthrough's id in package.json (`contributes.walkthroughs`), without the extension id. */
export const walkthroughId = "remo.gettingStarted";

/** The step ids of the walkthrough, in order (package.json). */
export const stepIds = ["installBroker", "createManifest", "setValues", "addNode", "synthesize", "push", "openContainer"] as const;
export type StepId = (typeof stepIds)[number];

/**
 * The state each step is done on. Synthesize has none the view sees (it completes on its command).
 * Install the broker counts as done once a node is added: adding a node pins the broker's key,
 * which needs a broker answering on it.
 */
export const stepState: Partial<Record<StepId, keyof ViewContext>> = {
  installBroker: "hasNode",
  createManifest: "hasManifest",
  setValues: "allValuesSet",
  addNode: "hasNode",
  push: "pushed",
  openContainer: "containerFetched",
};

/** The internal command a step also completes on (`onCommand:<this>` in its completionEvents). */
export function doneCommand(step: StepId): string {
  return `remo.walkthrough.done.${step}`;
}

/** The steps whose state is true in `ctx`, in walkthrough order. */
export function doneSteps(ctx: ViewContext): StepId[] {
  return stepIds.filter((s) => {
    const key = stepState[s];
    return key !== undefined && ctx[key];
  });
}

/**
 * Decides when to run the done-commands. Before `ready` nothing is sent (the service may exist
 * without our walkthrough registered yet, and a signal then would be used up with no step
 * listening); `ready` and `reopened` send every done step; after that a state that becomes true
 * sends its step. Re-sending is harmless (VS Code counts each event once) but costs a round trip.
 */
export class DoneSignals {
  private ctx: ViewContext | undefined;
  private isReady = false;

  /** The latest state; returns the steps to signal now. */
  update(ctx: ViewContext): StepId[] {
    const before = this.ctx === undefined ? new Set<StepId>() : new Set(doneSteps(this.ctx));
    this.ctx = { ...ctx };
    if (!this.isReady) return [];
    return doneSteps(ctx).filter((s) => !before.has(s));
  }

  /** The walkthrough service listens from now on (the window settled, or we opened the walkthrough). */
  ready(): StepId[] {
    this.isReady = true;
    return this.ctx === undefined ? [] : doneSteps(this.ctx);
  }
}
