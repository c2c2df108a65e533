import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { dirname } from "node:path";
import { classifySocketErrno, ReplyQueue, type ProjectRequest, type RawReply } from "#protocol/wire";
import type { ClientError } from "./client-error.ts";
import { clientError } from "./exit-codes.ts";

export type { RawReply };

/** How to reach the broker. */
export interface SocketOptions {
  socketPath: string;
  /** Per batch of requests, from write to the last reply. */
  timeoutMs: number;
}

/** Maps a connect/IO errno to a client error; retry.ts decides which are worth retrying. */
export function errorForErrno(errno: string | undefined, socketPath: string): ClientError {
  switch (classifySocketErrno(errno)) {
    case "permission":
      return clientError("permission_denied", { socketPath, ...(process.getuid ? { uid: process.getuid() } : {}) });
    case "missing":
      // No directory at all means nothing is mounted: retrying cannot help. A missing
      // socket in an existing directory is a broker between stop and start.
      return existsSync(dirname(socketPath)) ? clientError("unreachable", { socketPath, detail: errno ?? "unknown error" }) : clientError("not_mounted", { socketPath });
    case "lost":
      return clientError("connection_lost", { socketPath });
    case "refused":
    case "other":
      return clientError("unreachable", { socketPath, detail: errno ?? "unknown error" });
  }
}

/**
 * One connection to a project socket. Requests are pipelined: a batch is written
 * in one go and the replies come back in order (the broker answers in order), so a batch costs one
 * round trip however many requests it holds.
 */
export class BrokerConnection {
  private readonly replies: ReplyQueue<ClientError>;

  private constructor(private readonly socket: Socket, private readonly options: SocketOptions) {
    this.replies = new ReplyQueue((why) => clientError("protocol_mismatch", {
      socketPath: options.socketPath,
      detail: why.kind === "framing" ? `something that is not Remo NDJSON (${why.error})` : "something that is not JSON",
    }));
    socket.on("data", (chunk: Buffer) => { if (!this.replies.receive(chunk)) socket.destroy(); });
    socket.on("end", () => { this.fail(clientError("connection_lost", { socketPath: options.socketPath })); });
    socket.on("error", (e: NodeJS.ErrnoException) => { this.fail(errorForErrno(e.code, options.socketPath)); });
    socket.on("close", () => { this.fail(clientError("connection_lost", { socketPath: options.socketPath })); });
  }

  /** Connects; rejects with `unreachable`, `permission_denied` or `timeout`. */
  static open(options: SocketOptions): Promise<BrokerConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ path: options.socketPath });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(clientError("timeout", { socketPath: options.socketPath, seconds: options.timeoutMs / 1000 }));
      }, options.timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new BrokerConnection(socket, options));
      });
      socket.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(errorForErrno(e.code, options.socketPath));
      });
    });
  }

  /** Sends requests in one write and resolves with their replies, in order. */
  async send(requests: readonly ProjectRequest[]): Promise<RawReply[]> {
    const { text, replies } = this.replies.send(requests);
    const timer = setTimeout(() => {
      this.fail(clientError("timeout", { socketPath: this.options.socketPath, seconds: this.options.timeoutMs / 1000 }));
      this.socket.destroy();
    }, this.options.timeoutMs);
    try {
      this.socket.write(text);
      return await Promise.all(replies);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection; pending requests fail with `connection_lost`. */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private fail(error: ClientError): void {
    this.replies.fail(error);
  }
}
