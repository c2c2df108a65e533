// The broker socket mount (DESIGN §6) in both of devcontainer.json's forms, shared by synthesis and lint.
import { CONTAINER_SOCKET_PATH, DEFAULT_RUNTIME_DIR, projectSocketPath } from "#protocol";

/** Where the project's socket lives on the node. */
export function brokerSocketSource(projectName: string): string {
  return projectSocketPath(DEFAULT_RUNTIME_DIR, projectName);
}

/** The mount string synthesis writes: `source=/run/remo-broker/<name>.sock,target=/run/remo-broker/sock,type=bind`. */
export function brokerMountString(projectName: string): string {
  return `source=${brokerSocketSource(projectName)},target=${CONTAINER_SOCKET_PATH},type=bind`;
}

/** A mount entry reduced to what matters here; undefined fields were absent. */
export interface MountSpec { source?: string; target?: string; type?: string }

/** Reads a mount from its string (`--mount` syntax, any key order and aliases) or object form. */
export function parseMount(entry: unknown): MountSpec | undefined {
  if (typeof entry === "string") {
    const spec: MountSpec = {};
    for (const part of entry.split(",")) {
      const eq = part.indexOf("=");
      const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
      const value = eq === -1 ? "" : part.slice(eq + 1).trim();
      if (key === "source" || key === "src") spec.source = value;
      else if (key === "target" || key === "destination" || key === "dst") spec.target = value;
      else if (key === "type") spec.type = value;
    }
    return spec;
  }
  if (typeof entry === "object" && entry !== null && !Array.isArray(entry)) {
    const o = entry as Record<string, unknown>;
    const spec: MountSpec = {};
    if (typeof o.source === "string") spec.source = o.source;
    if (typeof o.target === "string") spec.target = o.target;
    if (typeof o.type === "string") spec.type = o.type;
    return spec;
  }
  return undefined;
}

/** Normalises a path for comparison: no trailing slashes, no doubled ones. */
export function samePath(a: string | undefined, b: string): boolean {
  const norm = (p: string): string => p.replace(/\/{2,}/g, "/").replace(/(.)\/+$/, "$1");
  return a !== undefined && norm(a) === norm(b);
}

/** How an entry relates to this project's broker mount. */
export type MountMatch = "ours" | "conflict" | "other";

/** Classifies one mount entry: ours (right source, target and bind), a conflict (same target, anything else) or unrelated. */
export function classifyMount(spec: MountSpec, projectName: string): MountMatch {
  if (!samePath(spec.target, CONTAINER_SOCKET_PATH)) return "other";
  const typeOk = spec.type === undefined || spec.type === "bind";
  return samePath(spec.source, brokerSocketSource(projectName)) && typeOk ? "ours" : "conflict";
}
