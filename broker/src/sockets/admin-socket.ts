import { createServer, type Server } from "node:net";
import type { AuditEvent } from "#protocol";
import type { AuditFields } from "../audit/audit-record.ts";
import { answerAdminRequest, type AdminBackend } from "../requests/admin-ops.ts";
import { defaultConnectionLimits, serveNdjson, type ConnectionLimits, type ServedConnection } from "../connections/connection.ts";
import { closeServer, listenUnixAt, removeSocketFile } from "./socket-file.ts";

/** The admin socket (root, 0600): the only way to change what the broker serves. */
export class AdminSocket {
  private readonly connections = new Set<ServedConnection>();
  private readonly server: Server;

  private constructor(readonly path: string, backend: AdminBackend, audit: (e: AuditEvent, f: AuditFields) => void, limits: ConnectionLimits) {
    this.server = createServer({ allowHalfOpen: true }, (socket) => {
      const served = serveNdjson(socket, {
        handle: (message) => answerAdminRequest(message, backend),
        onProtocolFault: (fault, message) => { audit("protocol.error", { outcome: "protocol_error", detail: `admin: ${fault}: ${message}` }); },
        onClose: () => { this.connections.delete(served); },
      }, limits);
      this.connections.add(served);
    });
  }

  /** Listens on `path` (replacing a stale socket), created 0600 so it is never reachable with a wider mode. */
  static async open(path: string, backend: AdminBackend, audit: (e: AuditEvent, f: AuditFields) => void, limits: ConnectionLimits = defaultConnectionLimits): Promise<AdminSocket> {
    const s = new AdminSocket(path, backend, audit, limits);
    await listenUnixAt(s.server, path, 0o600);
    return s;
  }

  /** Stops accepting, drains in-flight requests, and removes the socket file. */
  async close(): Promise<void> {
    const closing = closeServer(this.server);
    await Promise.all([...this.connections].map((c) => c.drain()));
    await closing;
    await removeSocketFile(this.path).catch(() => undefined);
  }
}
