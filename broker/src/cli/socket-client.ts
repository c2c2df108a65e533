import { connect } from "node:net";
import { classifySocketErrno, ReplyQueue } from "#protocol";

/** Why a request to the broker failed before an answer came back. */
export type ClientFailure = "not_running" | "permission_denied" | "io_error" | "timeout" | "bad_reply";

/** A failed exchange, with a message that says what to do. */
export class ClientError extends Error {
  constructor(readonly kind: ClientFailure, message: string) {
    super(message);
    this.name = "ClientError";
  }
}

/** Sends one request on a Unix socket and resolves with the first reply line. */
export function sendRequest(socketPath: string, request: object, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const replies = new ReplyQueue((why) => new ClientError("bad_reply", `The broker sent an unreadable reply (${why.message}).`));
    const socket = connect(socketPath);
    let done = false;
    const finish = (err: Error | undefined, value?: Record<string, unknown>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else if (value) resolve(value);
    };
    const timer = setTimeout(() => { finish(new ClientError("timeout", `The broker at ${socketPath} did not answer within ${timeoutMs / 1000} s. Check \`systemctl status remo-broker\`.`)); }, timeoutMs);
    socket.on("connect", () => {
      let sent;
      try {
        sent = replies.send([request]);
      } catch (e) {
        finish(e as Error);
        return;
      }
      sent.replies[0]?.then((v) => { finish(undefined, v); }, (e: unknown) => { finish(e as Error); });
      socket.write(sent.text);
    });
    socket.on("data", (chunk: Buffer) => { replies.receive(chunk); });
    socket.on("end", () => { finish(new ClientError("io_error", `The broker at ${socketPath} closed the connection without answering.`)); });
    socket.on("error", (e: NodeJS.ErrnoException) => { finish(describeConnectError(socketPath, e)); });
  });
}

/** Maps a socket error to a ClientError that says what to do. Pure. */
export function describeConnectError(socketPath: string, e: NodeJS.ErrnoException): ClientError {
  switch (classifySocketErrno(e.code)) {
    case "missing":
    case "refused":
      return new ClientError("not_running", `The broker is not running (no one listens on ${socketPath}). Start it with \`systemctl start remo-broker\` or \`remo-broker serve\`, or pass --runtime-dir if it uses another directory.`);
    case "permission":
      return new ClientError("permission_denied", `Permission denied on ${socketPath}: the admin socket is root-only (0600). Run this command as root (sudo).`);
    case "lost":
    case "other":
      return new ClientError("io_error", `Cannot talk to the broker at ${socketPath} (${e.code ?? e.message}).`);
  }
}
