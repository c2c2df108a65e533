// The broker mount in both of devcontainer.json's forms, shared by synthesis and lint.
// The container gets the project's socket *directory* at /run/remo-broker, so it sees
// /run/remo-broker/sock and keeps seeing the live socket when the broker restarts and
// replaces it (a bind-mounted socket file would keep pointing at the dead one).
import { posix } from "node:path";
import { CONTAINER_SOCKET_PATH, DEFAULT_RUNTIME_DIR } from "#protocol";

/** Where the socket directory appears inside the container (the socket is `sock` in it). */
export const containerMountTarget = posix.dirname(CONTAINER_SOCKET_PATH);

/** The project's socket directory on the node: `<runtime>/projects/<name>`. */
export function brokerSocketSource(projectName: string, runtimeDir: string = DEFAULT_RUNTIME_DIR): string {
  return `${runtimeDir.replace(/\/+$/, "")}/projects/${projectName}`;
}

/** Where older versions put the project's socket file (mounted at /run/remo-broker/sock). */
export function legacySocketSource(projectName: string, runtimeDir: string = DEFAULT_RUNTIME_DIR): string {
  return `${runtimeDir.replace(/\/+$/, "")}/${projectName}.sock`;
}

/** The mount string synthesis writes: `source=<runtime>/projects/<name>,target=/run/remo-broker,type=bind,readonly`. */
export function brokerMountString(projectName: string, runtimeDir: string = DEFAULT_RUNTIME_DIR): string {
  return `source=${brokerSocketSource(projectName, runtimeDir)},target=${containerMountTarget},type=bind,readonly`;
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

/** True when the entry mounts something at the socket directory or the socket path inside the container. */
export function targetsBroker(spec: MountSpec): boolean {
  return samePath(spec.target, containerMountTarget) || samePath(spec.target, CONTAINER_SOCKET_PATH);
}

/**
 * How an entry relates to this project's broker mount: ours (the socket directory as a
 * bind), legacy (this project's old socket-file mount, to be replaced), a conflict
 * (something else at /run/remo-broker or its socket), or unrelated.
 */
export type MountMatch = "ours" | "legacy" | "conflict" | "other";

/** Classifies one mount entry against this project's broker mount. */
export function classifyMount(spec: MountSpec, projectName: string, runtimeDir: string = DEFAULT_RUNTIME_DIR): MountMatch {
  if (!targetsBroker(spec)) return "other";
  const typeOk = spec.type === undefined || spec.type === "bind";
  if (samePath(spec.target, containerMountTarget)) return typeOk && samePath(spec.source, brokerSocketSource(projectName, runtimeDir)) ? "ours" : "conflict";
  return typeOk && samePath(spec.source, legacySocketSource(projectName, runtimeDir)) ? "legacy" : "conflict";
}
