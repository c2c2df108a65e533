// Which container a peer process runs in, for the audit: SO_PEERCRED's pid (in the broker's
// pid namespace) → /proc/<pid>/cgroup → the engine's container id → its name when the engine's
// own data is readable. Informational: it names the container, it grants nothing.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { AuditContainer } from "#protocol";

/** The engines whose cgroup naming we recognise. */
export type ContainerEngine = NonNullable<AuditContainer["engine"]>;

const hex64 = "([0-9a-f]{64})";
/** Most specific first: a scope or directory name that says which engine made it. */
const patterns: [RegExp, ContainerEngine | undefined][] = [
  [new RegExp(`(?:^|/)libpod-${hex64}(?:\\.scope)?(?:/|$)`), "podman"],
  [new RegExp(`(?:^|/)docker-${hex64}\\.scope(?:/|$)`), "docker"],
  [new RegExp(`(?:^|/)docker/${hex64}(?:/|$)`), "docker"],
  [new RegExp(`(?:^|/)cri-containerd-${hex64}\\.scope(?:/|$)`), "containerd"],
  [new RegExp(`(?:^|/)crio-${hex64}\\.scope(?:/|$)`), "cri-o"],
  // Kubernetes cgroupfs layout and other runtimes: a bare 64-hex directory.
  [new RegExp(`(?:^|/)${hex64}(?:/|$)`), undefined],
];

/**
 * The container id in a /proc/<pid>/cgroup text (cgroup v1 lines `N:controllers:/path` and the
 * v2 line `0::/path`), or undefined for a process outside any container we recognise. The
 * engine's monitor (`libpod-conmon-…`) is on the host side, so it is not a container. Pure.
 */
export function parseContainerCgroup(text: string): { id: string; engine?: ContainerEngine } | undefined {
  for (const line of text.split("\n")) {
    const path = line.split(":").slice(2).join(":");
    if (path === "" || path.includes("libpod-conmon-")) continue;
    for (const [re, engine] of patterns) {
      const id = re.exec(path)?.[1];
      if (id !== undefined) return engine === undefined ? { id } : { id, engine };
    }
  }
  return undefined;
}

/**
 * Container names from an engine's state file: podman's `containers.json` (an array of
 * `{id, names}`) or docker's per-container `config.v2.json` (`{Name: "/name"}`). Pure.
 */
export function parseContainerName(engine: ContainerEngine, id: string, text: string): string | undefined {
  try {
    const data: unknown = JSON.parse(text);
    if (engine === "podman" && Array.isArray(data)) {
      const entry = data.find((c: unknown): c is { id: string; names?: unknown } => typeof c === "object" && c !== null && (c as { id?: unknown }).id === id);
      const names = entry?.names;
      return Array.isArray(names) && typeof names[0] === "string" ? names[0] : undefined;
    }
    if (engine === "docker" && typeof data === "object" && data !== null) {
      const name = (data as { Name?: unknown }).Name;
      return typeof name === "string" ? name.replace(/^\//, "") : undefined;
    }
  } catch {
    // unreadable state: no name
  }
  return undefined;
}

/** The file reads a lookup needs, injected so unit tests use fakes. */
export interface ContainerLookupDeps {
  /** A small file's text, synchronously (procfs), or undefined when it cannot be read. */
  readProcFile(path: string): string | undefined;
  /** An engine state file's text, or undefined when it is missing or not readable by the broker. */
  readStateFile(path: string): Promise<string | undefined>;
  now(): number;
}

/** Where the engines keep the state that names containers (root engines' default stores). */
const stateFiles: Partial<Record<ContainerEngine, (id: string) => string>> = {
  podman: () => "/var/lib/containers/storage/overlay-containers/containers.json",
  docker: (id) => `/var/lib/docker/containers/${id}/config.v2.json`,
};

const maxCached = 1024;
/** How long an unknown name stays unknown before the state file is read again. */
const retryNameMs = 10_000;

/**
 * Maps a peer pid to its container, once per connection. The cgroup read is one small
 * procfs file; names are read off the request path and cached per container id, so the
 * first records of a new container may carry only its id.
 */
export class ContainerLookup {
  private readonly names = new Map<string, { name: string | undefined; at: number; pending: boolean }>();

  constructor(private readonly deps: ContainerLookupDeps) {}

  /** The container of `pid`, or undefined when it runs in none we recognise. Never throws. */
  forPid(pid: number): AuditContainer | undefined {
    const text = this.deps.readProcFile(`/proc/${String(pid)}/cgroup`);
    const found = text === undefined ? undefined : parseContainerCgroup(text);
    if (found === undefined) return undefined;
    const name = this.nameOf(found.id, found.engine);
    return { ...found, ...(name === undefined ? {} : { name }) };
  }

  private nameOf(id: string, engine: ContainerEngine | undefined): string | undefined {
    const file = engine === undefined ? undefined : stateFiles[engine]?.(id);
    if (engine === undefined || file === undefined) return undefined;
    const cached = this.names.get(id);
    if (cached !== undefined && (cached.name !== undefined || cached.pending || this.deps.now() - cached.at < retryNameMs)) return cached.name;
    if (this.names.size >= maxCached) this.names.delete(this.names.keys().next().value ?? "");
    const entry = { name: cached?.name, at: this.deps.now(), pending: true };
    this.names.set(id, entry);
    void this.deps.readStateFile(file).then((t) => {
      entry.name = t === undefined ? undefined : parseContainerName(engine, id, t);
    }, () => undefined).finally(() => {
      entry.pending = false;
      entry.at = this.deps.now();
    });
    return undefined;
  }
}

/** The lookup over the real /proc and engine state files, on the broker's clock. */
export function defaultContainerLookup(nowMs: () => number): ContainerLookup {
  return new ContainerLookup({
    readProcFile: (path) => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined; // the peer already exited, or /proc is not ours to read
      }
    },
    readStateFile: (path) => readFile(path, "utf8").catch(() => undefined),
    now: nowMs,
  });
}
