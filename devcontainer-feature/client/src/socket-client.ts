import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { dirname } from "node:path";
import { encodeMessage, NdjsonDecoder, parseMessage, type ProjectRequest } from "#protocol/wire";
import type { ClientError } from "./client-error.ts";
import { clientError } from "./exit-codes.ts";

/** One decoded reply line: a JSON object, not yet checked against the protocol. */
export type RawReply = Record<string, unknown>;

/** How to reach the broker. */
export interface SocketOptions {
  socketPath: string;
  /** Per batch of requests, from write to the last reply. */
  timeoutMs: number;
}

/** Maps a connect/IO errno to a client error; retry.ts decides which are worth retrying. */
export function errorForErrno(errno: string | undefined, socketPath: string): ClientError {
  switch (errno) {
    case "EACCES":
    case "EPERM":
      return clientError("permission_denied", { socketPath, ...(process.getuid ? { uid: process.getuid() } : {}) });
    case "ENOENT":
    case "ENOTDIR":
      // No directory at all means nothing is mounted: retrying cannot help. A missing
      // socket in an existing directory is a broker between stop and start.
      return existsSync(dirname(socketPath)) ? clientError("unreachable", { socketPath, detail: errno }) : clientError("not_mounted", { socketPath });
    case "ECONNRESET":
    case "EPIPE":
      return clientError("connection_lost", { socketPath });
    case undefined:
    default:
      return clientError("unreachable", { socketPath, detail: errno ?? "unknown error" });
  }
}

/**
 * One connection to a project socket. Requests are pipelined: a batch is written
 * in one go and the replies come back in order (DESIGN §3), so a batch costs one
 * round trip however many requests it holds.
 */
export class BrokerConnection {
  private readonly decoder = new NdjsonDecoder();
  private waiting: { resolve: (r: RawReply) => void; reject: (e: ClientError) => void }[] = [];
  private failure: ClientError | undefined;

  private constructor(private readonly socket: Socket, private readonly options: SocketOptions) {
    socket.on("data", (chunk: Buffer) => { this.onData(chunk); });
    socket.on("end", () => { this.onEnd(); });
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
    if (this.failure) throw this.failure;
    const replies = requests.map(() => new Promise<RawReply>((resolve, reject) => { this.waiting.push({ resolve, reject }); }));
    const timer = setTimeout(() => {
      this.fail(clientError("timeout", { socketPath: this.options.socketPath, seconds: this.options.timeoutMs / 1000 }));
      this.socket.destroy();
    }, this.options.timeoutMs);
    try {
      this.socket.write(requests.map((r) => encodeMessage(r)).join(""));
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

  private onData(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      if (frame.kind === "error") {
        this.fail(clientError("protocol_mismatch", { socketPath: this.options.socketPath, detail: `something that is not Remo NDJSON (${frame.error})` }));
        this.socket.destroy();
        return;
      }
      const parsed = parseMessage(frame.text);
      const next = this.waiting.shift();
      if (!next) continue;
      if (parsed.ok) next.resolve(parsed.value);
      else {
        next.reject(clientError("protocol_mismatch", { socketPath: this.options.socketPath, detail: "something that is not JSON" }));
      }
    }
  }

  private onEnd(): void {
    this.decoder.end();
    this.fail(clientError("connection_lost", { socketPath: this.options.socketPath }));
  }

  private fail(error: ClientError): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.reject(this.failure);
  }
}
