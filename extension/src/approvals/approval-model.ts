// Which secret names the user approved for one project on one node, and how a manifest's
// allowlist differs from that. Pure: no VS Code, no I/O (the globalState adapter wraps it).
import { projectNamePattern, secretNamePattern } from "#protocol";

/** What the user approved for one (node, project). */
export interface Approval {
  node: string;
  project: string;
  /** The names the user approved, sorted. Only these are ever sent to this project on this node. */
  names: string[];
  /** RFC 3339 time of the last approval. */
  approvedAt: string;
}

/** Every approval, by {@link approvalKey}. */
export type Approvals = Readonly<Record<string, Approval>>;

/** How a manifest's allowlist compares with what was approved. */
export interface AllowlistDiff {
  /** True when nothing was ever approved for this (node, project). */
  first: boolean;
  /** Names the manifest lists that were not approved (in manifest order). */
  added: string[];
  /** Approved names the manifest no longer lists (sorted). */
  removed: string[];
  /** Names both approved and listed (in manifest order). */
  kept: string[];
}

/** The storage key of one (node, project); NUL cannot occur in either name. */
export function approvalKey(node: string, project: string): string {
  return `${node}\u0000${project}`;
}

/**
 * Compares a manifest's allowlist with the approved names. `approved` undefined means the
 * project was never approved on this node.
 */
export function diffAllowlist(approved: readonly string[] | undefined, manifest: readonly string[]): AllowlistDiff {
  const had = new Set(approved ?? []);
  const now = new Set(manifest);
  return {
    first: approved === undefined,
    added: manifest.filter((n) => !had.has(n)),
    removed: [...had].filter((n) => !now.has(n)).sort(),
    kept: manifest.filter((n) => had.has(n)),
  };
}

/**
 * True when the user must be asked before a push: a first push of a non-empty list, or a
 * manifest that names something not approved. Names that were only removed narrow what is
 * sent and need no question.
 */
export function needsApproval(diff: AllowlistDiff): boolean {
  return diff.added.length > 0;
}

/** The names a push may send: approved and still listed, in manifest order. */
export function sendableNames(approved: readonly string[] | undefined, manifest: readonly string[]): string[] {
  const had = new Set(approved ?? []);
  return manifest.filter((n) => had.has(n));
}

/** What a push's approval step does before any question is asked. */
export type ApprovalPlan =
  /** Nothing new: send `names`; record `record` when given (a first empty list, or a narrowed one). */
  | { ask: false; names: string[]; record?: string[] }
  /** The manifest names something not approved: ask about `diff.added`. */
  | { ask: true; diff: AllowlistDiff };

/**
 * Plans the approval step for a push of `manifest` given what was approved before. A narrowed
 * list is recorded narrowed, so a name the manifest drops and later lists again is asked about again.
 */
export function planApproval(approved: readonly string[] | undefined, manifest: readonly string[]): ApprovalPlan {
  const diff = diffAllowlist(approved, manifest);
  if (needsApproval(diff)) return { ask: true, diff };
  const names = sendableNames(diff.kept, manifest);
  return approved === undefined || diff.removed.length > 0 ? { ask: false, names, record: diff.kept } : { ask: false, names };
}

/** The user's answer applied: what to record, what this push sends, and what stays unapproved. */
export function applyAnswer(diff: AllowlistDiff, checked: readonly string[], manifest: readonly string[]): { approved: string[]; names: string[]; approvedNow: string[]; declined: string[] } {
  const yes = new Set(checked);
  const approvedNow = diff.added.filter((n) => yes.has(n));
  const approved = [...diff.kept, ...approvedNow];
  return { approved, names: sendableNames(approved, manifest), approvedNow, declined: diff.added.filter((n) => !yes.has(n)) };
}

/**
 * The approvals with one (node, project) set to `names` (what the user just approved, or the
 * narrowed list after the manifest dropped names).
 */
export function withApproval(all: Approvals, a: { node: string; project: string; names: readonly string[]; at: Date }): Record<string, Approval> {
  const entry: Approval = { node: a.node, project: a.project, names: [...new Set(a.names)].sort(), approvedAt: a.at.toISOString() };
  return { ...all, [approvalKey(a.node, a.project)]: entry };
}

/** The approvals without one (node, project), or without every project of `node` when `project` is undefined. */
export function withoutApproval(all: Approvals, node: string, project?: string): Record<string, Approval> {
  return Object.fromEntries(Object.entries(all).filter(([, a]) => a.node !== node || (project !== undefined && a.project !== project)));
}

/**
 * Reads the stored project paths this laptop registered projects with, by {@link approvalKey};
 * anything that is not a non-empty string is dropped (the next register then cannot reuse it).
 */
export function parseRegisteredPaths(raw: unknown): Record<string, string> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
}

/** Every approval, sorted by node then project. */
export function listApprovals(all: Approvals): Approval[] {
  return Object.values(all).sort((a, b) => a.node.localeCompare(b.node) || a.project.localeCompare(b.project));
}

/**
 * Reads stored approvals. Anything malformed (a hand-edited or older state) is dropped: a
 * dropped approval only means the user is asked again, never that more is sent.
 */
export function parseApprovals(raw: unknown): Record<string, Approval> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const out: Record<string, Approval> = {};
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== "object" || v === null) continue;
    const a = v as Partial<Record<keyof Approval, unknown>>;
    if (typeof a.node !== "string" || a.node === "" || typeof a.project !== "string" || !projectNamePattern.test(a.project)) continue;
    if (key !== approvalKey(a.node, a.project) || typeof a.approvedAt !== "string") continue;
    if (!Array.isArray(a.names) || !a.names.every((n): n is string => typeof n === "string" && secretNamePattern.test(n))) continue;
    out[key] = { node: a.node, project: a.project, names: [...new Set(a.names)].sort(), approvedAt: a.approvedAt };
  }
  return out;
}
