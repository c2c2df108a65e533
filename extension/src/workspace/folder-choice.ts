// Which workspace folder a command acts on, as a pure decision over what the window shows. In a
// multi-root workspace several folders may each be a Remo project (each with its own manifest);
// a command must never act on the first one silently.

/** One workspace folder as the decision sees it. */
export interface FolderCandidate<F> {
  folder: F;
  /** The folder's URI as a string: how a row, an editor or an explorer context names it. */
  key: string;
  /** True when the folder holds a secret manifest (it is a Remo project). */
  isProject: boolean;
}

/**
 * What a command needs: `project` a folder with a manifest (push, audit, status, synthesize);
 * `folder` any folder, Remo projects first (add a node); `any` any folder alike (create a manifest).
 */
export type FolderNeed = "project" | "folder" | "any";

/** What the window shows: its folders, the folder a command was invoked on, the active editor's folder. */
export interface FolderChoiceInput<F> {
  folders: readonly FolderCandidate<F>[];
  /** The folder the command was invoked on (a Remo view row, an explorer context menu). */
  invoked?: string;
  /** The active editor's folder. */
  active?: string;
  need: FolderNeed;
}

/** The decision: a folder, a quick pick among `candidates`, or nothing with a message saying what to open. */
export type FolderDecision<F> =
  | { kind: "folder"; folder: F; via: "invoked" | "editor" | "only" | "onlyProject" }
  | { kind: "pick"; candidates: F[] }
  | { kind: "none"; message: string };

/**
 * Decides the folder: the one invoked on, else the active editor's, else the only folder, else
 * the only Remo project, else a pick of the Remo projects. With a single folder nothing is ever
 * asked (a folder without a manifest is the command's own error to report).
 */
export function decideFolder<F>(input: FolderChoiceInput<F>): FolderDecision<F> {
  const { folders, need } = input;
  if (folders.length === 0) return { kind: "none", message: "Open a folder first: Remo works on the project folder that holds .devcontainer/." };
  if (input.invoked !== undefined) {
    const hit = folders.find((f) => f.key === input.invoked);
    if (hit !== undefined) return { kind: "folder", folder: hit.folder, via: "invoked" };
    return { kind: "none", message: "That folder is not part of this workspace any more. Refresh the Remo view, or run the command from the folder's editor." };
  }
  const [only] = folders;
  if (folders.length === 1 && only !== undefined) return { kind: "folder", folder: only.folder, via: "only" };
  const projects = folders.filter((f) => f.isProject);
  // An editor in a folder that is no project does not say which project Push or the audit mean.
  const active = folders.find((f) => f.key === input.active && (need !== "project" || f.isProject));
  if (active !== undefined) return { kind: "folder", folder: active.folder, via: "editor" };
  if (need === "any") return { kind: "pick", candidates: folders.map((f) => f.folder) };
  const [onlyProject] = projects;
  if (projects.length === 1 && onlyProject !== undefined) return { kind: "folder", folder: onlyProject.folder, via: "onlyProject" };
  if (projects.length > 1) return { kind: "pick", candidates: projects.map((f) => f.folder) };
  if (need === "folder") return { kind: "pick", candidates: folders.map((f) => f.folder) };
  return {
    kind: "none",
    message: `None of this workspace's ${String(folders.length)} folders has a secret manifest. Open the project folder that holds .devcontainer/remo-broker.toml, or run "Remo: Create Manifest" in one.`,
  };
}
