import { chmod, mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  adminSocketPath, effectiveCacheLimits, formatTimestamp, projectSocketPath, PROTOCOL_VERSION, RemoError,
  type AdminRequest, type AuditEvent, type AuditQuery, type AuditRecord, type Manifest, type StatusResponse,
} from "#protocol";
import type { AdminBackend } from "./admin-ops.ts";
import { AdminSocket } from "./admin-socket.ts";
import { readAuditFiles } from "./audit-files.ts";
import { AuditLog, type AuditFields } from "./audit-log.ts";
import { decryptBundle, prepareDecryptionKey, type DecryptionKey } from "./bundle-crypto.ts";
import { destroyFile, readOptionalFile, removeStaleTempFiles, writeFileAtomic } from "./bundle-file.ts";
import type { LoadedKey } from "./key-source.ts";
import type { Logger } from "./log.ts";
import { loadProjectManifest } from "./manifest-file.ts";
import { bundleFile, registryFile, type BrokerPaths } from "./paths.ts";
import type { PeerCredentialSupport } from "./peer-credentials.ts";
import type { ProjectView } from "./project-ops.ts";
import { ProjectSocket } from "./project-socket.ts";
import type { ConnectionLimits } from "./connection.ts";
import { RequestLimiter, type RateLimits } from "./rate-limiter.ts";
import { readRegistry, writeRegistry, type ProjectRecord } from "./registry.ts";
import { SecretStore } from "./secret-store.ts";
import { ValueCache, type CacheLimits } from "./value-cache.ts";
import { BROKER_VERSION } from "./version.ts";

/** Everything `remo-broker serve` resolved from its flags. */
export interface BrokerOptions {
  paths: BrokerPaths;
  key: LoadedKey;
  rateLimit: RateLimits;
  connectionLimits: ConnectionLimits;
  auditMaxBytes?: number;
  maxConnectionsPerPeer?: number;
  cacheDefaults: CacheLimits;
  peers: PeerCredentialSupport;
  logger: Logger;
}

interface Project {
  record: ProjectRecord;
  view: ProjectView & { allowlist: string[]; allowed: Set<string>; ttlSeconds: number };
  socket: ProjectSocket;
  /** Set when the manifest could not be loaded at start; the project then allows nothing until reloaded. */
  manifestError: string | undefined;
}

/** The running broker: owns the sockets, the in-memory secrets, the registry and the audit log. */
export class Broker implements AdminBackend {
  private readonly store = new SecretStore();
  private readonly projects = new Map<string, Project>();
  private readonly audit: AuditLog;
  private readonly limiter: RequestLimiter;
  private readonly startedAt = Date.now();
  private readonly warnings: string[] = [];
  private admin: AdminSocket | undefined;
  private decryptionKey: DecryptionKey;
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(private readonly opts: BrokerOptions) {
    this.audit = new AuditLog(opts.paths.auditFile, opts.logger, opts.auditMaxBytes === undefined ? {} : { maxBytes: opts.auditMaxBytes });
    this.limiter = new RequestLimiter(opts.rateLimit);
    this.decryptionKey = opts.key.identity;
  }

  /** Starts the broker: audit, stored bundles, registered projects, then the admin socket. */
  static async start(opts: BrokerOptions): Promise<Broker> {
    const b = new Broker(opts);
    const { paths, logger } = opts;
    // Containers' users must traverse the runtime dir to reach their socket; set the mode
    // only on a directory we create (never chmod a directory someone else chose).
    if (await mkdir(paths.runtimeDir, { recursive: true }) !== undefined) await chmod(paths.runtimeDir, 0o755);
    await mkdir(join(paths.stateDir, "bundles"), { recursive: true, mode: 0o700 });
    b.audit.open();
    b.decryptionKey = await prepareDecryptionKey(opts.key.identity, opts.key.recipient);
    if (!opts.peers.ok) b.warnings.push(`Peer UIDs cannot be read: ${opts.peers.reason}. Projects that set peer_uids refuse every connection until this is fixed.`);
    await removeStaleTempFiles(join(paths.stateDir, "bundles"));
    await b.loadStoredBundles();
    const registry = await readRegistry(registryFile(paths.stateDir));
    b.warnings.push(...registry.warnings);
    for (const record of registry.projects) {
      try {
        await b.openProject(record, true);
      } catch (e) {
        const msg = `Project "${record.name}" could not be restored: ${(e as Error).message}`;
        b.warnings.push(msg);
        logger.warn(msg);
      }
    }
    b.admin = await AdminSocket.open(adminSocketPath(paths.runtimeDir), b, (e, f) => { b.record(e, f); }, opts.connectionLimits);
    b.record("broker.start", { secret_count: b.store.node?.secrets.size ?? 0 });
    logger.info(`serving: admin socket ${adminSocketPath(paths.runtimeDir)}, ${b.projects.size} project(s), key source ${opts.key.source}`);
    for (const w of b.warnings) logger.warn(w);
    return b;
  }

  /** Drains every socket, records broker.stop and flushes the audit log. */
  async stop(): Promise<void> {
    await this.admin?.close();
    await Promise.all([...this.projects.values()].map((p) => p.socket.close()));
    this.record("broker.stop", {});
    await this.audit.drain();
    this.audit.closeSync();
  }

  // ---- AdminBackend ----

  register(req: Extract<AdminRequest, { op: "register" }>): Promise<{ socket_path: string }> {
    return this.exclusive(async () => {
      if (this.projects.has(req.name)) {
        throw new RemoError("project_exists", `Project "${req.name}" is already registered (socket ${projectSocketPath(this.opts.paths.runtimeDir, req.name)}). Run \`remo-broker admin reload --name ${req.name}\` after editing its manifest, or unregister it first.`);
      }
      const record: ProjectRecord = { name: req.name, project_path: req.project_path };
      if (req.peer_uids !== undefined) record.peer_uids = [...req.peer_uids];
      if (req.socket_owner !== undefined) record.socket_owner = req.socket_owner;
      const project = await this.openProject(record, false);
      try {
        await writeRegistry(registryFile(this.opts.paths.stateDir), this.records());
      } catch (e) {
        this.projects.delete(req.name);
        await project.socket.close();
        throw storageError(e, "the project registry");
      }
      this.record("project.register", { project: req.name, outcome: "ok" });
      return { socket_path: project.socket.path };
    });
  }

  unregister(name: string): Promise<void> {
    return this.exclusive(async () => {
      const p = this.requireProject(name);
      // Registry first: if it cannot be written, the project stays registered and serving.
      try {
        await writeRegistry(registryFile(this.opts.paths.stateDir), this.records().filter((r) => r.name !== name));
      } catch (e) {
        throw storageError(e, "the project registry");
      }
      this.projects.delete(name);
      await p.socket.close();
      this.record("project.unregister", { project: name, outcome: "ok" });
    });
  }

  reload(name: string): Promise<{ allowlist: string[] }> {
    return this.exclusive(async () => {
      const p = this.requireProject(name);
      let manifest: Manifest;
      try {
        manifest = (await loadProjectManifest(p.record.project_path, name)).manifest;
      } catch (e) {
        if (e instanceof RemoError) this.record("manifest.invalid", { project: name, outcome: "manifest_invalid", detail: e.message });
        throw e;
      }
      this.applyManifest(p.view, manifest);
      p.manifestError = undefined;
      this.record("project.reload", { project: name, outcome: "ok" });
      return { allowlist: [...manifest.allowlist] };
    });
  }

  status(): StatusResponse {
    const node = this.store.node;
    const warnings = [...this.warnings];
    const auditWarning = this.audit.warning;
    if (auditWarning !== undefined) warnings.push(auditWarning);
    for (const p of this.projects.values()) if (p.manifestError !== undefined) warnings.push(p.manifestError);
    return {
      ok: true,
      broker_version: BROKER_VERSION,
      protocol_version: PROTOCOL_VERSION,
      uptime_seconds: Math.floor((Date.now() - this.startedAt) / 1000),
      secrets_loaded_at: node === undefined ? null : formatTimestamp(node.loadedAt),
      secret_count: node?.secrets.size ?? 0,
      decryption_key_source: this.opts.key.source,
      key_source_note: this.opts.key.note,
      audit_writable: this.audit.writable,
      warnings,
      projects: [...this.projects.values()].sort((a, b) => a.record.name.localeCompare(b.record.name)).map((p) => {
        const own = this.store.project(p.record.name);
        return {
          name: p.record.name,
          socket_path: p.socket.path,
          allowlist_size: p.view.allowlist.length,
          cache_entries: p.view.cache.size,
          secrets_loaded_at: own === undefined ? null : formatTimestamp(own.loadedAt),
          secret_count: own?.secrets.size ?? 0,
        };
      }),
    };
  }

  recipient(): string {
    return this.opts.key.recipient;
  }

  pushCreds(ciphertext: Uint8Array, project: string | undefined): Promise<{ loaded_at: string; secret_count: number }> {
    return this.exclusive(async () => {
      const scope = project === undefined ? {} : { project };
      let secrets;
      try {
        // Decrypt and check in memory first: a bad push must change nothing (DESIGN §3).
        if (ciphertext.length === 0) throw new RemoError("invalid_payload", "The ciphertext is empty. Pipe an age-encrypted bundle to `remo-broker admin push-creds`.");
        secrets = await decryptBundle(ciphertext, this.decryptionKey);
      } catch (e) {
        if (e instanceof RemoError) this.record("secrets.pushed", { ...scope, outcome: e.code === "decrypt_failed" ? "decrypt_failed" : "invalid_payload", detail: e.message });
        throw e;
      }
      try {
        await writeFileAtomic(bundleFile(this.opts.paths.stateDir, project), ciphertext);
      } catch (e) {
        const err = storageError(e, "the bundle");
        this.record("secrets.pushed", { ...scope, outcome: "storage_failed", detail: err.message });
        throw err;
      }
      // Only now, with the new file durable, does memory switch over.
      const loadedAt = new Date();
      this.store.replace(project, { secrets, loadedAt });
      this.invalidateCaches(project);
      this.record("secrets.pushed", { ...scope, outcome: "ok", secret_count: secrets.size });
      return { loaded_at: formatTimestamp(loadedAt), secret_count: secrets.size };
    });
  }

  clearCreds(project: string | undefined): Promise<void> {
    return this.exclusive(async () => {
      this.store.clear(project);
      this.invalidateCaches(project);
      try {
        await destroyFile(bundleFile(this.opts.paths.stateDir, project));
      } catch (e) {
        // Memory is already empty (DESIGN §3 order); only the stored ciphertext is left behind.
        throw new RemoError("storage_failed", `The secrets were cleared from memory, but the stored bundle could not be removed (${(e as NodeJS.ErrnoException).code ?? "error"}); it will be loaded again at the next start. Remove ${bundleFile(this.opts.paths.stateDir, project)} by hand.`);
      }
      this.record("secrets.cleared", project === undefined ? { outcome: "ok" } : { project, outcome: "ok" });
    });
  }

  async readAudit(query: AuditQuery): Promise<AuditRecord[]> {
    await this.audit.drain();
    try {
      return (await readAuditFiles(this.opts.paths.auditFile, query)).records;
    } catch (e) {
      throw new RemoError("internal_error", `Cannot read the audit file ${this.opts.paths.auditFile} (${(e as NodeJS.ErrnoException).code ?? "error"}).`);
    }
  }

  protocolError(detail: string): void {
    this.record("protocol.error", { outcome: "protocol_error", detail: `admin: ${detail}` });
  }

  // ---- internals ----

  private record(event: AuditEvent, fields: AuditFields): void {
    this.audit.record(event, fields);
  }

  /** Runs mutating admin ops one at a time, so file order and memory order always agree. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private requireProject(name: string): Project {
    const p = this.projects.get(name);
    if (p === undefined) throw new RemoError("project_unknown", `No project "${name}" is registered. Register it with \`remo-broker admin register --name ${name} --project-path <dir>\`.`);
    return p;
  }

  private records(): ProjectRecord[] {
    return [...this.projects.values()].map((p) => p.record);
  }

  private applyManifest(view: Project["view"], manifest: Manifest): void {
    const limits = effectiveCacheLimits(manifest, this.opts.cacheDefaults);
    view.allowlist = [...manifest.allowlist];
    view.allowed = new Set(manifest.allowlist);
    view.ttlSeconds = limits.ttlSeconds;
    view.cache.setLimits(limits);
  }

  private invalidateCaches(project: string | undefined): void {
    if (project === undefined) for (const p of this.projects.values()) p.view.cache.clear();
    else this.projects.get(project)?.view.cache.clear();
  }

  /** Loads the manifest, opens the socket with its owner, and adds the project. */
  private async openProject(record: ProjectRecord, restoring: boolean): Promise<Project> {
    let manifest: Manifest | undefined;
    let manifestError: string | undefined;
    try {
      manifest = (await loadProjectManifest(record.project_path, record.name)).manifest;
    } catch (e) {
      if (!(e instanceof RemoError)) throw e;
      this.record("manifest.invalid", { project: record.name, outcome: "manifest_invalid", detail: e.message });
      if (!restoring) throw e;
      // Keep a restored project registered (allowing nothing) so `reload` can fix it.
      manifestError = `Project "${record.name}": ${e.message} Then run \`remo-broker admin reload --name ${record.name}\`.`;
    }
    const owner = await this.socketOwner(record);
    const view: Project["view"] = {
      name: record.name, allowlist: [], allowed: new Set(), ttlSeconds: this.opts.cacheDefaults.ttlSeconds,
      cache: new ValueCache(this.opts.cacheDefaults),
    };
    if (manifest !== undefined) this.applyManifest(view, manifest);
    const socketPath = projectSocketPath(this.opts.paths.runtimeDir, record.name);
    let socket: ProjectSocket;
    try {
      socket = await ProjectSocket.open(socketPath, () => view,
        { ...owner, peerUids: record.peer_uids },
        { lookup: (p, n) => this.store.lookup(p, n), audit: (e, f) => { this.record(e, f); }, limiter: this.limiter, peers: this.opts.peers, connectionLimits: this.opts.connectionLimits, ...(this.opts.maxConnectionsPerPeer === undefined ? {} : { maxConnectionsPerPeer: this.opts.maxConnectionsPerPeer }) });
    } catch (e) {
      throw new RemoError("internal_error", `Cannot create the project socket ${socketPath}: ${(e as Error).message}.`);
    }
    const project: Project = { record, view, socket, manifestError };
    this.projects.set(record.name, project);
    return project;
  }

  private async socketOwner(record: ProjectRecord): Promise<{ uid: number; gid: number }> {
    if (record.socket_owner !== undefined) {
      const [uid, gid] = record.socket_owner.split(":").map(Number);
      return { uid: uid ?? 0, gid: gid ?? 0 };
    }
    try {
      const st = await stat(record.project_path);
      return { uid: st.uid, gid: st.gid };
    } catch {
      throw new RemoError("manifest_not_found", `Cannot stat project_path ${record.project_path}; pass --socket-owner UID:GID or fix the path.`);
    }
  }

  /** Decrypts the bundles stored by earlier pushes, so a restart serves without a new push. */
  private async loadStoredBundles(): Promise<void> {
    const dir = dirname(bundleFile(this.opts.paths.stateDir));
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = /^(?:node|project-([a-z0-9][a-z0-9_-]{0,63}))\.age$/.exec(name);
      if (m === null) continue;
      const project = m[1];
      const file = join(dir, name);
      try {
        const data = await readOptionalFile(file);
        if (data === undefined) continue;
        const secrets = await decryptBundle(data, this.decryptionKey);
        const { mtime } = await stat(file);
        this.store.replace(project, { secrets, loadedAt: mtime });
      } catch (e) {
        this.warnings.push(`The stored bundle ${file} could not be loaded (${e instanceof RemoError ? e.code : "read error"}): ${e instanceof RemoError ? e.message : (e as Error).message} Push the secrets again.`);
      }
    }
  }
}

function storageError(e: unknown, what: string): RemoError {
  return new RemoError("storage_failed", `The broker could not write ${what} (${(e as NodeJS.ErrnoException).code ?? "error"}); nothing was changed. Check free space and permissions of the state directory.`);
}
