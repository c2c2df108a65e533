// Runs one push per node in parallel under one progress notification and reports per node.
import * as vscode from "vscode";
import type { NodeEntry } from "../node-registry.ts";
import { getLog } from "../log.ts";
import type { PushOutcome } from "./push.ts";
import { viewError } from "./error-view.ts";

/** What a push to several nodes did, node by node (also the command's result, for tests). */
export interface MultiPushOutcome { project: string; nodes: NodeRun<PushOutcome>[] }

/**
 * Pushes one project to several nodes and says how each went: an information message when
 * all succeeded, else a warning that names each failed node and why.
 */
export async function pushToMany(entries: NodeEntry[], project: string, push: (entry: NodeEntry) => Promise<PushOutcome>): Promise<MultiPushOutcome> {
  const runs = await runOnNodes(entries, `Remo: pushing ${project}'s secrets to ${entries.length} nodes…`, push);
  const lines = describeRuns(runs, (r) => `${r.secretCount} secret(s)${r.missing.length === 0 ? "" : `, no value for ${r.missing.join(", ")}`}`);
  const failed = runs.filter((r): r is Extract<NodeRun<PushOutcome>, { ok: false }> => !r.ok);
  for (const l of lines) getLog().info(`push ${project}: ${l}`);
  if (failed.length === 0) {
    void vscode.window.showInformationMessage(`Pushed ${project}'s secrets to ${runs.map((r) => r.node).join(", ")}.`);
  } else {
    void vscode.window.showWarningMessage(
      `Pushed ${project}'s secrets to ${runs.length - failed.length} of ${runs.length} nodes. ${failed.map((r) => `${r.node}: ${r.error}`).join(" ")}`,
      "Show Log",
    ).then((pick) => { if (pick === "Show Log") getLog().show(); });
  }
  return { project, nodes: runs };
}

/** One node's outcome: the push's result, or the sentence that says why it failed. */
export type NodeRun<R> = { node: string; ok: true; result: R } | { node: string; ok: false; error: string; code?: string };

/**
 * Pushes to every entry at once (each over its own SSH connection): one slow or broken node
 * never holds back the others, and a failure is reported with that node's name.
 */
export async function runOnNodes<R>(entries: NodeEntry[], title: string, push: (entry: NodeEntry) => Promise<R>): Promise<NodeRun<R>[]> {
  return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async (progress) => {
    let done = 0;
    const step = 100 / entries.length;
    return await Promise.all(entries.map(async (entry): Promise<NodeRun<R>> => {
      const name = entry.target.name;
      let run: NodeRun<R>;
      try {
        run = { node: name, ok: true, result: await push(entry) };
      } catch (e) {
        const view = viewError(e, name);
        const code = typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : undefined;
        run = { node: name, ok: false, error: view?.message ?? (e instanceof Error ? e.message : String(e)), ...(code === undefined ? {} : { code }) };
      }
      done++;
      progress.report({ increment: step, message: `${done}/${entries.length}: ${name} ${run.ok ? "done" : "failed"}` });
      return run;
    }));
  });
}

/** One line per node for the final notification. */
export function describeRuns<R>(runs: NodeRun<R>[], ok: (r: R) => string): string[] {
  return runs.map((r) => (r.ok ? `${r.node}: ${ok(r.result)}` : `${r.node}: failed: ${r.error}`));
}
