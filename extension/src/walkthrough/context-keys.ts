// The context keys the walkthrough's steps complete on (`onContext:remo.hasManifest`…) and the
// Remo view's welcome content is shown by. Set from the view's real state after each render.
import * as vscode from "vscode";
import type { ViewContext } from "../remo-view/view-model.ts";

/** Context key name for each field of {@link ViewContext}. */
export const contextKeys: Record<keyof ViewContext, string> = {
  hasFolder: "remo.hasFolder",
  hasManifest: "remo.hasManifest",
  hasNode: "remo.hasNode",
  allValuesSet: "remo.allValuesSet",
  pushed: "remo.pushed",
  containerFetched: "remo.containerFetched",
};

const last = new Map<string, boolean>();

/** Sets each key that changed since the last call (setContext is a command round trip). */
export async function applyContextKeys(ctx: ViewContext): Promise<void> {
  for (const [field, key] of Object.entries(contextKeys) as [keyof ViewContext, string][]) {
    const value = ctx[field];
    if (last.get(key) === value) continue;
    last.set(key, value);
    await vscode.commands.executeCommand("setContext", key, value);
  }
}
