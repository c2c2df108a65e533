// Runs one push per node in parallel under one progress notification and reports per node.
import * as vscode from "vscode";
import type { NodeEntry } from "../node/node-registry.ts";
import { getLog } from "../log.ts";
import { viewError } from "../ui/error-view.ts";
import { runOnAll, summarizeRuns, type NodeRun, type PushOutcome } from "./push-runs.ts";

/** What a push to several nodes did, node by node (also the command's result, for tests). */
export interface MultiPushOutcome { project: string; nodes: NodeRun<PushOutcome>[] }

/**
 * Pushes one project to several nodes and says how each went: an information message when
 * all succeeded, else a warning that names each failed node and why.
 */
export async function pushToMany(entries: NodeEntry[], project: string, push: (entry: NodeEntry) => Promise<PushOutcome>): Promise<MultiPushOutcome> {
  const runs = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Remo: pushing ${project}'s secrets to ${entries.length} nodes…` },
    async (progress) => await runOnAll(
      entries.map((entry) => ({ name: entry.target.name, entry })),
      async (n) => await push(n.entry),
      (e, node) => viewError(e, node)?.message ?? (e instanceof Error ? e.message : String(e)),
      (message) => { progress.report({ increment: 100 / entries.length, message }); },
    ),
  );
  for (const r of runs) getLog().info(`push ${project}: ${r.node}: ${r.ok ? `${r.result.secretCount} secret(s)${r.result.missing.length === 0 ? "" : `, no value for ${r.result.missing.join(", ")}`}` : `failed: ${r.error}`}`);
  const summary = summarizeRuns(project, runs);
  if (summary.level === "info") void vscode.window.showInformationMessage(summary.message);
  else void vscode.window.showWarningMessage(summary.message, "Show Log").then((pick) => { if (pick === "Show Log") getLog().show(); });
  return { project, nodes: runs };
}
