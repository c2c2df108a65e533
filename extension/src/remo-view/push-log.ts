// Which names the last push from this laptop sent to each (node, project): the node registry
// keeps only the time, and the view shows "pushed" per name. Kept in globalState, next to
// that time, so it follows the user across windows the same way.
import type * as vscode from "vscode";

const key = "remo.pushedNames.v1";

type Memento = Pick<vscode.Memento, "get" | "update">;

/** One recorded push: when, and the names that had a value and were sent. */
export interface PushedNames { at: string; names: string[] }

/** What a Push command reports, reduced to what the log needs (one node or several). */
export interface PushResultLike { node?: unknown; project?: unknown; approved?: unknown; missing?: unknown; nodes?: unknown }

/** Reads and writes {@link PushedNames} per (node, project). */
export class PushLog {
  constructor(private readonly global: Memento) {}

  /** The last recorded push of `project` to `node`, if any. */
  get(node: string, project: string): PushedNames | undefined {
    return this.read()[`${node}\u0000${project}`];
  }

  /** Records the push(es) a Push command returned; `at` is the time the registry recorded for each node. */
  async record(result: unknown, pushedAt: (node: string, project: string) => string | undefined): Promise<void> {
    const all = this.read();
    let changed = false;
    for (const o of outcomes(result)) {
      const at = pushedAt(o.node, o.project);
      if (at === undefined) continue;
      all[`${o.node}\u0000${o.project}`] = { at, names: o.approved.filter((n) => !o.missing.includes(n)) };
      changed = true;
    }
    if (changed) await this.global.update(key, all);
  }

  private read(): Record<string, PushedNames> {
    const raw = this.global.get<unknown>(key);
    if (typeof raw !== "object" || raw === null) return {};
    const out: Record<string, PushedNames> = {};
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      const e = v as Partial<PushedNames> | null;
      if (typeof e === "object" && e !== null && typeof e.at === "string" && Array.isArray(e.names)) out[k] = { at: e.at, names: e.names.filter((n): n is string => typeof n === "string") };
    }
    return out;
  }
}

/** The successful single-node outcomes in a Push result (a multi-node result lists each run). */
export function outcomes(result: unknown): { node: string; project: string; approved: string[]; missing: string[] }[] {
  if (typeof result !== "object" || result === null) return [];
  const r = result as PushResultLike;
  if (Array.isArray(r.nodes)) {
    return r.nodes.flatMap((run: unknown) => {
      const v = typeof run === "object" && run !== null ? (run as { ok?: unknown; result?: unknown }) : {};
      return v.ok === true ? outcomes(v.result) : [];
    });
  }
  const strings = (a: unknown): string[] => (Array.isArray(a) ? a.filter((n): n is string => typeof n === "string") : []);
  if (typeof r.node !== "string" || typeof r.project !== "string" || !Array.isArray(r.approved)) return [];
  return [{ node: r.node, project: r.project, approved: strings(r.approved), missing: strings(r.missing) }];
}
