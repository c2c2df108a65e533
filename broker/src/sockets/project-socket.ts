import { rmdir } from "node:fs/promises";
import { dirname } from "node:path";
import { createServer, type Server, type Socket } from "node:net";
import { errorResponse, type AuditEvent } from "#protocol";
import type { AuditFields } from "../audit/audit-record.ts";
import { defaultConnectionLimits, refuseConnection, serveNdjson, type ConnectionLimits, type ServedConnection } from "../connections/connection.ts";
import type { ContainerLookup } from "../connections/container-id.ts";
import type { PeerCredentialSupport } from "../connections/peer-credentials.ts";
import { answerProjectRequest, type ProjectOpsDeps, type ProjectView } from "../requests/project-ops.ts";
import type { RequestLimiter } from "../connections/rate-limiter.ts";
import { ensureOwnedDir } from "../files/safe-dir.ts";
import { closeServer, listenUnixAt, removeSocketFile } from "./socket-file.ts";

/** What every project socket shares with the daemon. */
export interface ProjectSocketDeps {
  lookup(project: string, name: string): Buffer | undefined;
  audit(event: AuditEvent, fields: AuditFields): void;
  limiter: RequestLimiter;
  peers: PeerCredentialSupport;
  connectionLimits?: ConnectionLimits;
  /** Names the peer's container in secret.get records (omitted: no container field). */
  containers?: ContainerLookup;
  maxConnectionsPerPeer?: number;
}

/** Who may connect: the socket file's owner, and the UIDs SO_PEERCRED must report (when set). */
export interface SocketAccess {
  uid: number;
  gid: number;
  peerUids: readonly number[] | undefined;
}

let connectionSeq = 0;

/** Open connections one project socket accepts; more are refused by the kernel-side close. */
const maxConnectionsPerProject = 512;

/** Open connections one peer UID may hold on one project socket, so it cannot take all 512 (`serve --max-connections-per-peer`). */
export const defaultMaxConnectionsPerPeer = 64;

/**
 * One project's socket: mode 0660, owned by the project's user so the container's
 * user can connect through the bind mount (docs/architecture.md#socket-directories), with `peer_uids` enforced on top.
 */
export class ProjectSocket {
  private readonly connections = new Set<ServedConnection>();
  private readonly perUid = new Map<number, number>();
  private readonly server: Server;

  private constructor(readonly path: string, private readonly view: () => ProjectView, private access: SocketAccess, private readonly deps: ProjectSocketDeps) {
    this.server = createServer({ allowHalfOpen: true }, (socket) => { this.accept(socket); });
    // A container could otherwise open sockets until the broker runs out of file descriptors.
    this.server.maxConnections = maxConnectionsPerProject;
  }

  /**
   * Creates the socket's directory (broker-owned, group = the socket owner's group, 0750: the
   * socket owner may enter, nobody but the broker writes) and listens on `path` inside it, 0660
   * and owned by the socket owner before it is reachable. An existing directory is kept (a
   * container may have it bind-mounted) and only the socket inside is replaced.
   */
  static async open(path: string, view: () => ProjectView, access: SocketAccess, deps: ProjectSocketDeps): Promise<ProjectSocket> {
    const s = new ProjectSocket(path, view, access, deps);
    await ensureOwnedDir(dirname(path), { mode: 0o750, gid: access.gid }, { what: "project socket directory" });
    await listenUnixAt(s.server, path, 0o660, { uid: access.uid, gid: access.gid });
    return s;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting and lets in-flight requests finish. `remove` (unregister) also deletes the
   * socket and its directory; a broker that is only stopping leaves the directory, which a
   * running container may have bind-mounted, for the next start to put a live socket in.
   */
  async close(remove = false): Promise<void> {
    const closing = closeServer(this.server);
    await Promise.all([...this.connections].map((c) => c.drain()));
    await closing;
    await removeSocketFile(this.path).catch(() => undefined);
    if (remove) await rmdir(dirname(this.path)).catch(() => undefined);
  }

  private accept(socket: Socket): void {
    const creds = this.deps.peers.ok ? this.deps.peers.read(socket) : undefined;
    const allowedUids = this.access.peerUids;
    const rejected = allowedUids !== undefined && (creds === undefined || !allowedUids.includes(creds.uid));
    // Once per connection: the pid's container does not change while it is connected.
    const peer = creds === undefined ? undefined : { uid: creds.uid, pid: creds.pid, container: this.deps.containers?.forPid(creds.pid) };
    const peerFields = peer === undefined ? {} : { peer_uid: peer.uid, peer_pid: peer.pid };
    const project = this.view().name;
    const limits = this.deps.connectionLimits ?? defaultConnectionLimits;
    // A refused peer is answered at once and never served: its bytes are not decoded.
    const refuse = (message: object): void => {
      const served = refuseConnection(socket, message, () => { this.connections.delete(served); });
      this.connections.add(served);
    };
    if (rejected) {
      this.deps.audit("peer.unexpected", { project, outcome: "peer_unexpected", ...peerFields,
        ...(creds === undefined ? { detail: this.deps.peers.ok ? "SO_PEERCRED failed" : "peer credentials unavailable" } : {}) });
      refuse(errorResponse("peer_unexpected", creds === undefined
        ? `The broker cannot verify the connecting process's UID (${this.deps.peers.ok ? "SO_PEERCRED failed" : "its peercred addon is missing"}), and project "${project}" restricts peer_uids. See \`remo-broker admin status\`.`
        : `UID ${creds.uid} may not use project "${project}"'s socket (allowed: ${allowedUids.join(", ")}). Run the client as an allowed user, or re-register the project with --peer-uid ${creds.uid}.`));
      return;
    }
    const held = peer === undefined ? 0 : this.perUid.get(peer.uid) ?? 0;
    const perPeer = this.deps.maxConnectionsPerPeer ?? defaultMaxConnectionsPerPeer;
    if (peer !== undefined && held >= perPeer) {
      refuse(errorResponse("rate_limited", `UID ${peer.uid} already holds ${perPeer} connections to project "${project}"'s socket; close some (one connection can pipeline many requests) and retry.`, 1));
      return;
    }
    if (peer !== undefined) this.perUid.set(peer.uid, held + 1);
    const rateKey = `${project}/${peer === undefined ? `conn:${++connectionSeq}` : `uid:${peer.uid}`}`;
    // One deps object per connection, not per request.
    const opsDeps: ProjectOpsDeps = {
      lookup: (p, n) => this.deps.lookup(p, n),
      takeToken: () => this.deps.limiter.take(project, rateKey),
      audit: (e, f) => { this.deps.audit(e, f); },
      peer,
    };
    const served: ServedConnection = serveNdjson(socket, {
      handle: (message) => answerProjectRequest(message, this.view(), opsDeps),
      onProtocolFault: (fault, message) => {
        this.deps.audit("protocol.error", { project, outcome: "protocol_error", detail: `${fault}: ${message}`, ...peerFields });
      },
      onClose: () => {
        this.connections.delete(served);
        if (peer === undefined) {
          this.deps.limiter.forget(rateKey);
          return;
        }
        const left = (this.perUid.get(peer.uid) ?? 1) - 1;
        if (left > 0) this.perUid.set(peer.uid, left);
        else this.perUid.delete(peer.uid);
      },
    }, limits);
    this.connections.add(served);
  }
}
