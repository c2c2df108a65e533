import { dirname, join } from "node:path";
import {
  adminSocketPath, formatTimestamp, projectSocketPath, PROTOCOL_VERSION, RemoError,
  type AdminRequest, type AuditEvent, type AuditQuery, type AuditRecord, type StatusResponse,
} from "#protocol";
import type { AdminBackend } from "./requests/admin-ops.ts";
import { AdminSocket } from "./sockets/admin-socket.ts";
import { readAuditFiles } from "./audit/audit-files.ts";
import { AuditLog } from "./audit/audit-log.ts";
import type { AuditFields } from "./audit/audit-record.ts";
import { prepareDecryptionKey, type DecryptionKey } from "./secrets/bundle-crypto.ts";
import { defaultContainerLookup } from "./connections/container-id.ts";
import { removeStaleTempFiles } from "./files/state-file.ts";
import type { LoadedKey } from "./secrets/key-source.ts";
import type { Logger } from "./log.ts";
import { manifestReadTimeoutMs } from "./manifest/manifest-file.ts";
import { projectsDir, registryFile, type BrokerPaths } from "./files/paths.ts";
import type { PeerCredentialSupport } from "./connections/peer-credentials.ts";
import { Projects } from "./projects/projects.ts";
import type { ConnectionLimits } from "./connections/connection.ts";
import { RequestLimiter, type RateLimits } from "./connections/rate-limiter.ts";
import { readRegistry } from "./projects/registry.ts";
import { ensureOwnedDir, refuseUnsafePath } from "./files/safe-dir.ts";
import { SecretStore } from "./secrets/secret-store.ts";
import { Serial } from "./serial.ts";
import { StoredBundles } from "./secrets/stored-bundles.ts";
import type { CacheLimits } from "./secrets/value-cache.ts";
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
  /** The wall clock every part of the broker reads; `serve` passes the system clock, tests may pin it. */
  now: () => Date;
  /** How long one manifest read may take. */
  manifestTimeoutMs?: number;
  /** Problems found before start (e.g. the process could not be hardened), shown in status. */
  warnings?: string[];
}

/** The running broker: owns the sockets, the in-memory secrets, the registry and the audit log. */
export class Broker implements AdminBackend {
  private readonly store = new SecretStore();
  private readonly serial = new Serial();
  private readonly audit: AuditLog;
  private readonly limiter: RequestLimiter;
  private readonly now: () => Date;
  private readonly startedAt: Date;
  private readonly warnings: string[] = [];
  private readonly projects: Projects;
  private readonly bundles: StoredBundles;
  private admin: AdminSocket | undefined;
  private decryptionKey: Promise<DecryptionKey> | undefined;

  private constructor(private readonly opts: BrokerOptions) {
    this.now = opts.now;
    // One clock for audit timestamps, rate buckets, cache lifetimes and refusal windows.
    const nowMs = (): number => this.now().getTime();
    this.startedAt = this.now();
    this.audit = new AuditLog(opts.paths.auditFile, opts.logger, { nowMs, ...(opts.auditMaxBytes === undefined ? {} : { maxBytes: opts.auditMaxBytes }) });
    this.limiter = new RequestLimiter(opts.rateLimit, nowMs);
    const record = (e: AuditEvent, f: AuditFields): void => { this.record(e, f); };
    this.bundles = new StoredBundles({ stateDir: opts.paths.stateDir, store: this.store, key: () => this.key(), audit: record, now: this.now,
      changed: (project) => { this.projects.invalidateCaches(project); } });
    this.projects = new Projects({
      paths: opts.paths, cacheDefaults: opts.cacheDefaults, peers: opts.peers, limiter: this.limiter, connectionLimits: opts.connectionLimits, ...(opts.maxConnectionsPerPeer === undefined ? {} : { maxConnectionsPerPeer: opts.maxConnectionsPerPeer }), containers: defaultContainerLookup(nowMs), store: this.store, nowMs,
      serial: this.serial, audit: record, manifestTimeoutMs: opts.manifestTimeoutMs ?? manifestReadTimeoutMs,
      destroyBundle: (name) => this.bundles.clear(name),
    });
  }

  /**
   * Starts the broker: checked directories, audit, stored bundles, the admin socket, then the
   * registered projects one by one (each failure a warning), and only then reports ready.
   */
  static async start(opts: BrokerOptions): Promise<Broker> {
    const b = new Broker(opts);
    const { paths, logger } = opts;
    // Containers' users must traverse the runtime dir and projects/ to reach their socket directory.
    await ensureOwnedDir(paths.runtimeDir, { mode: 0o755 }, { what: "runtime directory", flag: "--runtime-dir" });
    await ensureOwnedDir(projectsDir(paths.runtimeDir), { mode: 0o755 }, { what: "projects directory" });
    await ensureOwnedDir(paths.stateDir, { mode: 0o700 }, { what: "state directory", flag: "--state-dir" });
    await ensureOwnedDir(join(paths.stateDir, "bundles"), { mode: 0o700 }, { what: "bundle directory" });
    await refuseUnsafePath(dirname(paths.auditFile), { what: "audit directory", flag: "--audit-file" });
    await refuseUnsafePath(paths.auditFile, { what: "audit file", flag: "--audit-file" });
    b.audit.open();
    b.warnings.push(...(opts.warnings ?? []));
    if (!opts.peers.ok) b.warnings.push(`Peer UIDs cannot be read: ${opts.peers.reason}. Projects that set peer_uids refuse every connection until this is fixed.`);
    await removeStaleTempFiles(paths.stateDir);
    await removeStaleTempFiles(join(paths.stateDir, "bundles"));
    const registry = await readRegistry(registryFile(paths.stateDir));
    b.warnings.push(...registry.warnings);
    await b.bundles.load(new Set(registry.projects.map((r) => r.name)), b.warnings);
    // The admin socket first: status and the other projects' ops work while projects are restored.
    b.admin = await AdminSocket.open(adminSocketPath(paths.runtimeDir), b, (e, f) => { b.record(e, f); }, opts.connectionLimits);
    await b.projects.restore(registry.projects);
    b.record("broker.start", { secret_count: b.store.node?.secrets.size ?? 0 });
    logger.info(`serving: admin socket ${adminSocketPath(paths.runtimeDir)}, ${b.projects.list().length} project(s), key source ${opts.key.source}`);
    for (const w of [...b.warnings, ...b.projects.problems()]) logger.warn(w);
    return b;
  }

  /** Drains every socket, records broker.stop and flushes the audit log. */
  async stop(): Promise<void> {
    await this.admin?.close();
    await this.projects.closeAll();
    this.record("broker.stop", {});
    await this.audit.drain();
    this.audit.closeSync();
  }

  // ---- AdminBackend ----

  register(req: Extract<AdminRequest, { op: "register" }>): Promise<{ socket_path: string; allowlist: string[] }> {
    return this.projects.register(req);
  }

  unregister(name: string): Promise<void> {
    return this.projects.unregister(name);
  }

  reload(name: string, approved: readonly string[] | undefined): Promise<{ allowlist: string[] }> {
    return this.projects.reload(name, approved);
  }

  status(): StatusResponse {
    const node = this.store.node;
    const warnings = [...this.warnings];
    const auditWarning = this.audit.warning;
    if (auditWarning !== undefined) warnings.push(auditWarning);
    warnings.push(...this.projects.problems());
    return {
      ok: true,
      broker_version: BROKER_VERSION,
      protocol_version: PROTOCOL_VERSION,
      uptime_seconds: Math.max(0, Math.floor((this.now().getTime() - this.startedAt.getTime()) / 1000)),
      secrets_loaded_at: node === undefined ? null : formatTimestamp(node.loadedAt),
      secret_count: node?.secrets.size ?? 0,
      decryption_key_source: this.opts.key.source,
      key_source_note: this.opts.key.note,
      audit_writable: this.audit.writable,
      warnings,
      projects: this.projects.list().map((p) => {
        const own = this.store.project(p.record.name);
        return {
          name: p.record.name,
          socket_path: p.socket?.path ?? projectSocketPath(this.opts.paths.runtimeDir, p.record.name),
          allowlist_size: p.view.allowlist.length,
          approved_count: p.view.counts.approved,
          narrowed_count: p.view.counts.narrowed,
          unapproved_count: p.view.counts.unapproved,
          cache_entries: p.view.cache.size,
          secrets_loaded_at: own === undefined ? null : formatTimestamp(own.loadedAt),
          secret_count: own?.secrets.size ?? 0,
        };
      }),
    };
  }

  recipient(): Promise<string> {
    return this.opts.key.recipient();
  }

  /** The key bundles are decrypted with, prepared on the first decrypt (node:crypto loads then, not at start). */
  private key(): Promise<DecryptionKey> {
    const { identity, recipient } = this.opts.key;
    this.decryptionKey ??= recipient().then((r) => prepareDecryptionKey(identity, r));
    return this.decryptionKey;
  }

  async pushCreds(ciphertext: Uint8Array, project: string | undefined): Promise<{ loaded_at: string; secret_count: number }> {
    if (project !== undefined) await this.projects.settled(project);
    return this.serial.run(async () => {
      // A bundle for a name nobody registered would sit there for whoever registers it next.
      if (project !== undefined) this.projects.require(project);
      return this.bundles.push(ciphertext, project);
    });
  }

  clearCreds(project: string | undefined): Promise<void> {
    return this.serial.run(async () => {
      await this.bundles.clear(project);
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

  private record(event: AuditEvent, fields: AuditFields): void {
    this.audit.record(event, fields);
  }
}
