import type { Socket } from "node:net";
import { encodeMessage, errorResponse, NdjsonDecoder, parseMessage } from "#protocol";

/** Why a connection was cut: a framing failure or a line that is not a JSON object. */
export type ProtocolFault = "oversize" | "invalid_utf8" | "truncated" | "invalid_json";

/** What one connection does with its requests. */
export interface RequestHandler {
  /** Answers one decoded request; may be async. Throwing is answered with internal_error. */
  handle(message: Record<string, unknown>): object | Promise<object>;
  /** Records a protocol fault (audit); the connection loop sends the reply. */
  onProtocolFault(fault: ProtocolFault, message: string): void;
  /** Called once when the connection is gone. */
  onClose?(): void;
}

/** A handle on a served connection for the daemon's shutdown. */
export interface ServedConnection {
  /** Stops reading, lets in-flight requests finish and reply, then closes. */
  drain(): Promise<void>;
  /** Ends the connection after an optional last message (e.g. the connection must stop now). */
  endWith(message?: object): void;
}

const internalError = errorResponse("internal_error", "The broker failed to handle the request; see the broker's log (journalctl -u remo-broker) and retry.");

/**
 * Serves NDJSON on one socket (DESIGN §3): requests are answered in order, pipelining
 * allowed. A line that is oversized, not UTF-8 or not JSON gets protocol_error and the
 * connection is closed (the stream cannot be trusted after it); a well-formed request
 * that fails validation is answered by the handler and the connection stays open.
 * The socket must come from a server created with `allowHalfOpen: true`, so replies to
 * pipelined requests still go out after the client half-closes.
 */
export function serveNdjson(socket: Socket, handler: RequestHandler): ServedConnection {
  const decoder = new NdjsonDecoder();
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  let stopped = false; // no more requests are read
  let peerEnded = false;
  let draining = false;
  let closesItself = false; // a fault or endWith sends a last message and closes after the queue
  let closed = false;
  let drainWaiters: (() => void)[] = [];
  let awaitingDrain = false;

  const send = (msg: object): void => {
    if (closed || socket.destroyed) return;
    let line: string;
    try {
      line = encodeMessage(msg);
    } catch {
      line = encodeMessage(errorResponse("internal_error", "The reply would exceed 65536 bytes; ask for less (e.g. a smaller audit limit)."));
    }
    // Backpressure: a client that pipelines without reading stops being read until it catches up.
    if (!socket.write(line) && !awaitingDrain) {
      awaitingDrain = true;
      socket.pause();
      socket.once("drain", () => {
        awaitingDrain = false;
        if (!stopped) socket.resume();
      });
    }
  };

  /** Ends our side, keeps reading (and discarding) so the peer's FIN is seen, and destroys a peer that never closes. */
  const closeGracefully = (): void => {
    if (closed) return;
    closed = true;
    socket.end();
    socket.resume();
    // A peer that never reads its last replies must not hold the socket forever; clear the
    // timer once the socket is gone so thousands of short connections don't keep closures alive.
    const timer = setTimeout(() => { socket.destroy(); }, 5000).unref();
    socket.once("close", () => { clearTimeout(timer); });
  };

  const settle = (): void => {
    if (pending > 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
    if ((draining || peerEnded) && !closesItself) closeGracefully();
  };

  const run = (message: Record<string, unknown>): void => {
    if (pending === 0) {
      let result: object | Promise<object>;
      try {
        result = handler.handle(message);
      } catch {
        send(internalError);
        return;
      }
      if (!(result instanceof Promise)) {
        send(result);
        return;
      }
      pending++;
      tail = result.then(send, () => { send(internalError); }).finally(() => { pending--; settle(); });
      return;
    }
    pending++;
    tail = tail
      .then(() => handler.handle(message))
      .then(send, () => { send(internalError); })
      .finally(() => { pending--; settle(); });
  };

  const fault = (kind: ProtocolFault, message: string, reply: boolean): void => {
    stopped = true;
    closesItself = true;
    handler.onProtocolFault(kind, message);
    const last = errorResponse("protocol_error", `${message}. The connection is closed: reconnect and send one UTF-8 JSON object per line, at most 65536 bytes.`);
    const finish = (): void => {
      if (reply) send(last);
      closeGracefully();
    };
    if (pending === 0) finish();
    else void tail.then(finish);
  };

  socket.on("data", (chunk: Buffer) => {
    if (stopped) return;
    for (const frame of decoder.push(chunk)) {
      if (frame.kind === "error") {
        fault(frame.error, frame.message, true);
        return;
      }
      if (frame.text.trim() === "") continue;
      const parsed = parseMessage(frame.text);
      if (!parsed.ok) {
        fault("invalid_json", parsed.message, true);
        return;
      }
      run(parsed.value);
    }
  });
  socket.on("end", () => {
    peerEnded = true;
    if (!stopped) {
      for (const frame of decoder.end()) {
        if (frame.kind === "error") {
          // Nobody is left to read a reply to a half line: record it and close.
          fault(frame.error, frame.message, false);
          return;
        }
      }
    }
    settle();
  });
  socket.on("error", () => {
    // EPIPE/ECONNRESET from a client that went away: nothing to answer.
    closed = true;
    socket.destroy();
  });
  socket.on("close", () => {
    closed = true;
    stopped = true;
    handler.onClose?.();
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  });

  return {
    drain: () => {
      stopped = true;
      draining = true;
      socket.pause();
      if (closed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
        settle();
      });
    },
    endWith: (message) => {
      if (closesItself) return;
      stopped = true;
      closesItself = true;
      const finish = (): void => {
        if (message !== undefined) send(message);
        closeGracefully();
      };
      if (pending === 0) finish();
      else void tail.then(finish);
    },
  };
}
