import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ViewContext } from "../../../extension/src/remo-view/view-model.ts";
import { doneCommand, doneSteps, DoneSignals, stepIds, stepState, walkthroughId } from "../../../extension/src/walkthrough/walkthrough-steps.ts";

const none: ViewContext = { hasFolder: true, hasManifest: false, hasNode: false, allValuesSet: false, pushed: false, containerFetched: false };
const ctx = (over: Partial<ViewContext>): ViewContext => ({ ...none, ...over });

interface Step { id: string; completionEvents: string[] }
interface Pkg {
  contributes: { walkthroughs: { id: string; steps: Step[] }[]; commands: { command: string }[]; viewsWelcome: { contents: string }[] };
}
const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as Pkg;

describe("walkthrough steps: which are done", () => {
  it("none with nothing set up", () => {
    expect(doneSteps(none)).toEqual([]);
  });

  it("a manifest and a node tick create-manifest, install-broker and add-node, in walkthrough order", () => {
    expect(doneSteps(ctx({ hasManifest: true, hasNode: true }))).toEqual(["installBroker", "createManifest", "addNode"]);
  });

  it("everything true ticks every step but synthesize, which has no state and completes on its command", () => {
    const all = ctx({ hasManifest: true, hasNode: true, allValuesSet: true, pushed: true, containerFetched: true });
    expect(doneSteps(all)).toEqual(stepIds.filter((s) => s !== "synthesize"));
  });

  it("a folder alone is no step", () => {
    expect(doneSteps(ctx({ hasFolder: true }))).toEqual([]);
  });
});

describe("walkthrough steps: when the done-commands run", () => {
  it("sends nothing before the service listens, then every done step at once", () => {
    const s = new DoneSignals();
    expect(s.update(ctx({ hasManifest: true }))).toEqual([]);
    expect(s.update(ctx({ hasManifest: true, hasNode: true }))).toEqual([]);
    expect(s.ready()).toEqual(["installBroker", "createManifest", "addNode"]);
  });

  it("after ready, only a state that becomes true sends its step; one that stays true or turns false sends nothing", () => {
    const s = new DoneSignals();
    s.update(ctx({ hasManifest: true }));
    s.ready();
    expect(s.update(ctx({ hasManifest: true }))).toEqual([]);
    expect(s.update(ctx({ hasManifest: true, pushed: true }))).toEqual(["push"]);
    expect(s.update(ctx({ hasManifest: false, pushed: true }))).toEqual([]);
    expect(s.update(ctx({ hasManifest: true, pushed: true }))).toEqual(["createManifest"]);
  });

  it("ready again (the walkthrough reopened) sends every done step again", () => {
    const s = new DoneSignals();
    s.update(ctx({ allValuesSet: true }));
    expect(s.ready()).toEqual(["setValues"]);
    expect(s.ready()).toEqual(["setValues"]);
  });

  it("ready before any state sends nothing, and the first state then counts as a change", () => {
    const s = new DoneSignals();
    expect(s.ready()).toEqual([]);
    expect(s.update(ctx({ containerFetched: true }))).toEqual(["openContainer"]);
  });
});

describe("walkthrough steps: package.json agrees", () => {
  const walk = pkg.contributes.walkthroughs.find((w) => w.id === walkthroughId);

  it("has the walkthrough with the steps in this order", () => {
    expect(walk?.steps.map((s) => s.id)).toEqual([...stepIds]);
  });

  it("each step with a state completes on its context key and on its done-command; synthesize on its command only", () => {
    for (const step of walk?.steps ?? []) {
      const key = stepState[step.id as (typeof stepIds)[number]];
      if (key === undefined) {
        expect(step.completionEvents, step.id).toEqual(["onCommand:remo.synthesizeDevcontainer"]);
        continue;
      }
      expect(step.completionEvents, step.id).toContain(`onContext:remo.${key}`);
      expect(step.completionEvents, step.id).toContain(`onCommand:${doneCommand(step.id as (typeof stepIds)[number])}`);
    }
  });

  it("contributes Get Started, links the views' welcome to it, and keeps the done-commands out of the palette (not contributed)", () => {
    const commands = pkg.contributes.commands.map((c) => c.command);
    expect(commands).toContain("remo.getStarted");
    expect(commands.filter((c) => c.startsWith("remo.walkthrough."))).toEqual([]);
    const welcome = pkg.contributes.viewsWelcome.map((w) => w.contents).join("\n");
    expect(welcome).toContain("(command:remo.getStarted)");
    expect(welcome).not.toContain("workbench.action.openWalkthrough");
  });
});
