// Pushing to several nodes at once and summing up how each went. Pure: the push, the progress
// report and the error wording are injected, so it is unit-tested without VS Code.

/** One node's outcome: the push's result, or the sentence that says why it failed. */
export type NodeRun<R> = { node: string; ok: true; result: R } | { node: string; ok: false; error: string; code?: string };

/**
 * Runs `push` for every node at once (each over its own connection): one slow or broken node
 * never holds back the others, and a failure is kept with that node's name. Results come back
 * in the order of `nodes`; `report` hears `k/n: name done|failed` as each one finishes.
 */
export async function runOnAll<N extends { name: string }, R>(
  nodes: N[],
  push: (node: N) => Promise<R>,
  errorText: (e: unknown, node: string) => string,
  report: (message: string, done: number) => void = () => undefined,
): Promise<NodeRun<R>[]> {
  let done = 0;
  return await Promise.all(nodes.map(async (n): Promise<NodeRun<R>> => {
    let run: NodeRun<R>;
    try {
      run = { node: n.name, ok: true, result: await push(n) };
    } catch (e) {
      const code = typeof (e as { code?: unknown } | null)?.code === "string" ? (e as { code: string }).code : undefined;
      run = { node: n.name, ok: false, error: errorText(e, n.name), ...(code === undefined ? {} : { code }) };
    }
    done++;
    report(`${done}/${nodes.length}: ${n.name} ${run.ok ? "done" : "failed"}`, done);
    return run;
  }));
}

/** The final notification for a push of `project`: information when all succeeded, else a warning naming each failure. */
export function summarizeRuns<R>(project: string, runs: NodeRun<R>[]): { level: "info" | "warning"; message: string } {
  const failed = runs.filter((r): r is Extract<NodeRun<R>, { ok: false }> => !r.ok);
  if (failed.length === 0) return { level: "info", message: `Pushed ${project}'s secrets to ${runs.map((r) => r.node).join(", ")}.` };
  return { level: "warning", message: `Pushed ${project}'s secrets to ${runs.length - failed.length} of ${runs.length} nodes. ${failed.map((r) => `${r.node}: ${r.error}`).join(" ")}` };
}

/** What a push reports back (also the command's result, for tests). */
export interface PushOutcome {
  node: string;
  project: string;
  secretCount: number;
  loadedAt: string;
  missing: string[];
  registered: boolean;
  /** The names sent and registered: approved for this project on this node and in the manifest. */
  approved: string[];
  /** Manifest names the user left unapproved at this push's prompt (not sent). */
  declined: string[];
}
