import { connect } from "node:net";
import { encodeMessage, NdjsonDecoder, parseMessage } from "#protocol";

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
    const decoder = new NdjsonDecoder();
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
    socket.on("connect", () => { socket.write(encodeMessage(request)); });
    socket.on("data", (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === "error") {
          finish(new ClientError("bad_reply", `The broker sent an unreadable reply (${frame.message}).`));
          return;
        }
        const parsed = parseMessage(frame.text);
        if (!parsed.ok) finish(new ClientError("bad_reply", `The broker sent an unreadable reply (${parsed.message}).`));
        else finish(undefined, parsed.value);
        return;
      }
    });
    socket.on("end", () => { finish(new ClientError("io_error", `The broker at ${socketPath} closed the connection without answering.`)); });
    socket.on("error", (e: NodeJS.ErrnoException) => { finish(describeConnectError(socketPath, e)); });
  });
}

/** Maps a socket error to a ClientError that says what to do. Pure. */
export function describeConnectError(socketPath: string, e: NodeJS.ErrnoException): ClientError {
  switch (e.code) {
    case "ENOENT":
    case "ECONNREFUSED":
      return new ClientError("not_running", `The broker is not running (no one listens on ${socketPath}). Start it with \`systemctl start remo-broker\` or \`remo-broker serve\`, or pass --runtime-dir if it uses another directory.`);
    case "EACCES":
    case "EPERM":
      return new ClientError("permission_denied", `Permission denied on ${socketPath}: the admin socket is root-only (0600). Run this command as root (sudo).`);
    case undefined:
    default:
      return new ClientError("io_error", `Cannot talk to the broker at ${socketPath} (${e.code ?? e.message}).`);
  }
}
