import { compareCodeUnits, effectiveCacheLimits, projectSocketPath, RemoError, type AdminRequest, type AuditEvent, type Manifest } from "#protocol";
import { effectiveAllowlist } from "../manifest/allowlist.ts";
import type { AuditFields } from "../audit/audit-record.ts";
import { loadProjectManifest, projectFolderOwner, type LoadedManifest } from "../manifest/manifest-file.ts";
import { registryFile, type BrokerPaths } from "../files/paths.ts";
import type { PeerCredentialSupport } from "../connections/peer-credentials.ts";
import type { ProjectView } from "../requests/project-ops.ts";
import { ProjectSocket } from "../sockets/project-socket.ts";
import type { ConnectionLimits } from "../connections/connection.ts";
import type { ContainerLookup } from "../connections/container-id.ts";
import type { RequestLimiter } from "../connections/rate-limiter.ts";
import { parseSocketOwner, writeRegistry, type ProjectRecord } from "./registry.ts";
import type { SecretStore } from "../secrets/secret-store.ts";
import type { Serial } from "../serial.ts";
import { storageError } from "../secrets/stored-bundles.ts";
import { ValueCache, type CacheLimits } from "../secrets/value-cache.ts";

/** What the registered projects need from the broker. */
export interface ProjectsDeps {
  paths: BrokerPaths;
  cacheDefaults: CacheLimits;
  peers: PeerCredentialSupport;
  limiter: RequestLimiter;
  connectionLimits?: ConnectionLimits;
  maxConnectionsPerPeer?: number;
  /** Names the peer's container in secret.get records. */
  containers?: ContainerLookup;
  store: SecretStore;
  /** The broker's one queue for mutating admin ops. */
  serial: Serial;
  audit(event: AuditEvent, fields: AuditFields): void;
  /** Zeroes and unlinks a project's stored bundle and drops it from memory. */
  destroyBundle(project: string): Promise<void>;
  manifestTimeoutMs: number;
  /** The broker's clock in ms, for cache lifetimes. */
  nowMs(): number;
}

type MutableView = { -readonly [K in keyof ProjectView]: ProjectView[K] } & { allowlist: string[]; allowed: Set<string> };

interface Project {
  record: ProjectRecord & { socket_owner: string };
  view: MutableView;
  /** Undefined when the socket could not be created at start (see `problem`). */
  socket: ProjectSocket | undefined;
  /** Why the project serves nothing right now, for status warnings. */
  problem: string | undefined;
}

/** A restore's folder read: no owner (and why), or the owner and the manifest or the problem with it. */
type RestoreRead =
  | { ownerProblem: string; owner?: undefined; manifest?: undefined; problem?: undefined }
  | { ownerProblem?: undefined; owner: string; manifest?: Manifest; problem?: string };

/**
 * The registered projects: names bound to a folder and a socket owner, their sockets and
 * what each serves. Manifest files are read before a change is queued on the Serial, so a
 * slow or hostile file delays only its own project's request.
 */
export class Projects {
  private readonly map = new Map<string, Project>();
  /** Names still being restored at start; admin ops on them wait for their turn. */
  private readonly restoring = new Map<string, Promise<void>>();

  constructor(private readonly deps: ProjectsDeps) {}

  /** Restores the registry one project at a time; each failure becomes a warning, never a stop. */
  async restore(records: readonly ProjectRecord[]): Promise<void> {
    const done = new Map<string, () => void>();
    for (const r of records) this.restoring.set(r.name, new Promise<void>((resolve) => { done.set(r.name, resolve); }));
    // The folder reads run ahead (the readers bound how many at once), so each folder whose file
    // system hangs costs its timeout once, side by side, not once per project queued behind it;
    // the projects are then set up one by one, in order.
    const reads = records.map((r) => [r, this.readForRestore(r)] as const);
    for (const [, read] of reads) read.catch(() => undefined); // awaited below, in order
    for (const [record, read] of reads) {
      try {
        await this.restoreOne(record, await read);
      } finally {
        this.restoring.delete(record.name);
        done.get(record.name)?.();
      }
    }
  }

  /** Resolves once `name` is no longer being restored. */
  async settled(name: string): Promise<void> {
    await this.restoring.get(name);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  register(req: Extract<AdminRequest, { op: "register" }>): Promise<{ socket_path: string; allowlist: string[] }> {
    return (async () => {
      await this.settled(req.name);
      const existing = this.map.get(req.name);
      if (existing !== undefined) throw this.exists(existing, req.project_path);
      checkSocketOwner(req.socket_owner);
      const { manifest, folderOwner } = await this.readManifest(req.name, req.project_path);
      const owner = req.socket_owner ?? `${folderOwner.uid}:${folderOwner.gid}`;
      return this.deps.serial.run(async () => {
        const raced = this.map.get(req.name);
        if (raced !== undefined) throw this.exists(raced, req.project_path);
        const record: Project["record"] = { name: req.name, project_path: req.project_path, socket_owner: owner, approved_allowlist: [...(req.allowlist ?? manifest.allowlist)] };
        if (req.peer_uids !== undefined) record.peer_uids = [...req.peer_uids];
        const project = this.newProject(record);
        this.apply(project, manifest);
        project.socket = await this.openSocket(record, project.view);
        this.map.set(req.name, project);
        try {
          await writeRegistry(registryFile(this.deps.paths.stateDir), this.records());
        } catch (e) {
          this.map.delete(req.name);
          await project.socket.close(true);
          throw storageError(e, "the project registry");
        }
        this.deps.audit("project.register", { project: req.name, outcome: "ok" });
        return { socket_path: project.socket.path, allowlist: [...project.view.allowlist] };
      });
    })();
  }

  unregister(name: string): Promise<void> {
    return (async () => {
      await this.settled(name);
      return this.deps.serial.run(async () => {
        const p = this.require(name);
        // Registry first: if it cannot be written, the project stays registered and serving.
        try {
          await writeRegistry(registryFile(this.deps.paths.stateDir), this.records().filter((r) => r.name !== name));
        } catch (e) {
          throw storageError(e, "the project registry");
        }
        this.map.delete(name);
        await p.socket?.close(true);
        this.deps.audit("project.unregister", { project: name, outcome: "ok" });
        await this.deps.destroyBundle(name);
      });
    })();
  }

  reload(name: string, approved: readonly string[] | undefined): Promise<{ allowlist: string[] }> {
    return (async () => {
      await this.settled(name);
      const p = this.require(name);
      const { manifest } = await this.readManifest(name, p.record.project_path);
      return this.deps.serial.run(async () => {
        if (this.map.get(name) !== p) throw unknown(name);
        const record = { ...p.record, approved_allowlist: [...(approved ?? manifest.allowlist)] };
        if (!sameNames(record.approved_allowlist, p.record.approved_allowlist)) {
          try {
            await writeRegistry(registryFile(this.deps.paths.stateDir), this.records().map((r) => (r.name === name ? record : r)));
          } catch (e) {
            throw storageError(e, "the project registry");
          }
          p.record = record;
        }
        p.socket ??= await this.openSocket(p.record, p.view);
        this.apply(p, manifest);
        p.problem = undefined;
        this.deps.audit("project.reload", { project: name, outcome: "ok" });
        return { allowlist: [...p.view.allowlist] };
      });
    })();
  }

  /** Throws project_unknown unless `name` is registered. */
  require(name: string): Project {
    const p = this.map.get(name);
    if (p === undefined) throw unknown(name);
    return p;
  }

  /** Every project, sorted by name. */
  list(): Project[] {
    return [...this.map.values()].sort((a, b) => compareCodeUnits(a.record.name, b.record.name));
  }

  /** Warnings for status: projects that serve nothing until fixed. */
  problems(): string[] {
    return this.list().flatMap((p) => (p.problem === undefined ? [] : [p.problem]));
  }

  /** Empties the cache of one project, or of every project. */
  invalidateCaches(project: string | undefined): void {
    if (project === undefined) for (const p of this.map.values()) p.view.cache.clear();
    else this.map.get(project)?.view.cache.clear();
  }

  /** Stops every socket; directories stay for the next start (containers may have them mounted). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.map.values()].map((p) => p.socket?.close() ?? Promise.resolve()));
  }

  // ---- internals ----

  /** What restoring `input` needs from its folder: the socket owner, then the manifest (or why not). */
  private async readForRestore(input: ProjectRecord): Promise<RestoreRead> {
    let owner: string;
    try {
      owner = input.socket_owner ?? await this.resolveOwner(input.project_path);
    } catch (e) {
      return { ownerProblem: (e as Error).message };
    }
    try {
      return { owner, manifest: (await this.readManifest(input.name, input.project_path)).manifest };
    } catch (e) {
      if (!(e instanceof RemoError)) throw e;
      return { owner, problem: `Project "${input.name}" serves nothing: ${e.message} Then run \`remo-broker admin reload --name ${input.name}\`.` };
    }
  }

  private async restoreOne(input: ProjectRecord, read: RestoreRead): Promise<void> {
    if (read.ownerProblem !== undefined) {
      // Without an owner there is no socket to make; keep the registration so reload or unregister can act on it.
      const project = this.newProject({ ...input, socket_owner: "0:0" });
      project.problem = `Project "${input.name}" has no socket: ${read.ownerProblem}`;
      this.map.set(input.name, project);
      return;
    }
    const record = { ...input, socket_owner: read.owner };
    const { manifest, problem } = read;
    await this.deps.serial.run(async () => {
      // A registry written before approvals were stored: what the file says now is approved, once.
      record.approved_allowlist ??= manifest === undefined ? [] : [...manifest.allowlist];
      const project = this.newProject(record);
      if (manifest !== undefined) this.apply(project, manifest);
      project.problem = problem;
      try {
        project.socket = await this.openSocket(record, project.view);
      } catch (e) {
        project.problem = `Project "${record.name}" has no socket: ${(e as Error).message} Fix it, then run \`remo-broker admin reload --name ${record.name}\`.`;
      }
      this.map.set(record.name, project);
    });
  }

  private newProject(record: Project["record"]): Project {
    const view: MutableView = {
      name: record.name, allowlist: [], allowed: new Set(), ttlSeconds: this.deps.cacheDefaults.ttlSeconds,
      counts: { approved: record.approved_allowlist?.length ?? 0, narrowed: 0, unapproved: 0 },
      cache: new ValueCache(this.deps.cacheDefaults, () => this.deps.nowMs()),
    };
    return { record, view, socket: undefined, problem: undefined };
  }

  /** Serves approved ∩ the file's names: the file can narrow what the laptop approved, never widen it. */
  private apply(p: Project, manifest: Manifest): void {
    const limits = effectiveCacheLimits(manifest, this.deps.cacheDefaults);
    const eff = effectiveAllowlist(p.record.approved_allowlist ?? [], manifest.allowlist);
    p.view.allowlist = eff.served;
    p.view.allowed = new Set(eff.served);
    p.view.counts = { approved: eff.approvedCount, narrowed: eff.narrowedCount, unapproved: eff.unapprovedCount };
    p.view.ttlSeconds = limits.ttlSeconds;
    p.view.cache.setLimits(limits);
  }

  private async openSocket(record: Project["record"], view: MutableView): Promise<ProjectSocket> {
    const owner = parseSocketOwner(record.socket_owner) ?? { uid: 0, gid: 0 };
    const path = projectSocketPath(this.deps.paths.runtimeDir, record.name);
    try {
      return await ProjectSocket.open(path, () => view, { ...owner, peerUids: record.peer_uids },
        { lookup: (p, n) => this.deps.store.lookup(p, n), audit: (e, f) => { this.deps.audit(e, f); }, limiter: this.deps.limiter, peers: this.deps.peers, ...(this.deps.connectionLimits === undefined ? {} : { connectionLimits: this.deps.connectionLimits }), ...(this.deps.containers === undefined ? {} : { containers: this.deps.containers }), ...(this.deps.maxConnectionsPerPeer === undefined ? {} : { maxConnectionsPerPeer: this.deps.maxConnectionsPerPeer }) });
    } catch (e) {
      throw new RemoError("internal_error", `Cannot create the project socket ${path}: ${(e as Error).message}.`);
    }
  }

  /** Reads and checks the manifest (and who owns the folder); a failure is audited (without the file's contents) and thrown. */
  private async readManifest(name: string, projectPath: string): Promise<LoadedManifest> {
    try {
      return await loadProjectManifest(projectPath, name, { timeoutMs: this.deps.manifestTimeoutMs });
    } catch (e) {
      if (e instanceof RemoError) this.deps.audit("manifest.invalid", { project: name, outcome: "manifest_invalid", detail: e.message });
      throw e;
    }
  }

  /** `uid:gid` of project_path, for a registry record written before socket owners were stored. */
  private async resolveOwner(projectPath: string): Promise<string> {
    const { uid, gid } = await projectFolderOwner(projectPath, { timeoutMs: this.deps.manifestTimeoutMs });
    return `${uid}:${gid}`;
  }

  private exists(p: Project, projectPath: string): RemoError {
    const socket = projectSocketPath(this.deps.paths.runtimeDir, p.record.name);
    return p.record.project_path === projectPath
      ? new RemoError("project_exists", `Project "${p.record.name}" is already registered (socket ${socket}). Run \`remo-broker admin reload --name ${p.record.name}\` after editing its manifest, or unregister it first.`)
      : new RemoError("project_exists", `The name "${p.record.name}" is bound to ${p.record.project_path} (socket ${socket}) until it is unregistered. Register this folder under another name, or run \`remo-broker admin unregister --name ${p.record.name}\` first.`);
  }

  private records(): ProjectRecord[] {
    return [...this.map.values()].map((p) => p.record);
  }
}

function unknown(name: string): RemoError {
  return new RemoError("project_unknown", `No project "${name}" is registered. Register it with \`remo-broker admin register --name ${name} --project-path <dir>\`.`);
}

function sameNames(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** Refuses a `socket_owner` the kernel would take as "no change" or that does not fit a uid_t/gid_t. */
function checkSocketOwner(given: string | undefined): void {
  if (given !== undefined && parseSocketOwner(given) === undefined) {
    throw new RemoError("protocol_error", `socket_owner "${given}" is out of range: UID and GID must each be at most 4294967294 (4294967295 means "no change" to the kernel). Pass the container user's uid:gid.`);
  }
}
