import type { Socket } from "node:net";
import { encodeMessage, errorResponse, maxMessageBytes, NdjsonDecoder, parseMessage } from "#protocol";

/** Why a connection was cut: a framing failure, a line that is not a JSON object, or a per-connection limit. */
export type ProtocolFault = "oversize" | "invalid_utf8" | "truncated" | "invalid_json" | "partial_timeout" | "reply_overflow";

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

/** What one connection may cost the broker before it is cut. */
export interface ConnectionLimits {
  /** A line still unfinished this long after its first byte is dropped and the connection closed. */
  partialLineMs: number;
  /** A connection with no traffic either way for this long is closed. */
  idleMs: number;
  /** Reply bytes queued for a peer that does not read; past this the connection is destroyed. */
  maxQueuedReplyBytes: number;
  /** Requests being answered at once; no more lines are decoded until one finishes. */
  maxInFlight: number;
}

/** The limits the broker runs with; tests shorten the timeouts through hidden serve flags. */
export const defaultConnectionLimits: ConnectionLimits = {
  partialLineMs: 10_000,
  idleMs: 5 * 60_000,
  maxQueuedReplyBytes: 1024 * 1024,
  maxInFlight: 64,
};

/**
 * Where a connection is in its life, with what that phase needs to know: `reading` requests
 * (and whether the peer has half-closed, so a half line can never complete); `finishing` (no
 * more requests read, in-flight ones are answered, then the optional `last` message);
 * `ending` (our side is shut, waiting for the peer to go); `closed`.
 */
type ConnectionState =
  | { is: "reading"; peerEnded: boolean }
  | { is: "finishing"; last: object | undefined }
  | { is: "ending" }
  | { is: "closed" };

/** A peer that never reads its last replies must not hold the socket forever. */
const lingerMs = 5000;

const internalError = errorResponse("internal_error", "The broker failed to handle the request; see the broker's log (journalctl -u remo-broker) and retry.");
const tooLargeReply = errorResponse("internal_error", `The reply would exceed ${maxMessageBytes} bytes; ask for less (e.g. a smaller audit limit).`);

/**
 * One served NDJSON connection. Requests are answered in order, pipelining allowed. Lines are
 * decoded only while replies drain (the socket's write buffer is below its high-water mark)
 * and fewer than `maxInFlight` requests are being answered, so a peer that pipelines without
 * reading stops being read instead of making the broker queue replies without bound.
 */
class NdjsonConnection implements ServedConnection {
  private state: ConnectionState = { is: "reading", peerEnded: false };
  private readonly decoder = new NdjsonDecoder();
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private partialTimer: NodeJS.Timeout | undefined;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly socket: Socket, private readonly handler: RequestHandler, private readonly limits: ConnectionLimits) {
    socket.setTimeout(limits.idleMs);
    socket.on("timeout", () => { if (this.inFlight === 0) this.finish(); });
    socket.on("data", (chunk: Buffer) => {
      // After reading stops, bytes are read only so the peer's FIN is seen; they are dropped.
      if (this.state.is !== "reading") return;
      this.decoder.feed(chunk);
      this.pump();
    });
    socket.on("drain", () => { this.pump(); });
    socket.on("end", () => {
      if (this.state.is === "reading") this.state.peerEnded = true;
      this.pump();
    });
    socket.on("error", () => {
      // EPIPE/ECONNRESET from a client that went away: nothing to answer.
      socket.destroy();
    });
    socket.on("close", () => {
      this.state = { is: "closed" };
      this.clearPartialTimer();
      handler.onClose?.();
      this.releaseDrainWaiters();
    });
  }

  drain(): Promise<void> {
    if (this.state.is === "closed") return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.drainWaiters.push(resolve);
      this.finish();
      if (this.state.is !== "finishing") this.releaseDrainWaiters();
    });
  }

  endWith(message?: object): void {
    this.finish(message);
  }

  /** Decodes and answers lines while replies drain, then decides whether to read more. */
  private pump(): void {
    let tookLine = false;
    while (this.state.is === "reading" && this.inFlight < this.limits.maxInFlight && !this.socket.writableNeedDrain) {
      const frame = this.decoder.next();
      if (frame === undefined) break;
      tookLine = true;
      if (frame.kind === "error") {
        this.fault(frame.error, frame.message, true);
        return;
      }
      if (frame.text.trim() === "") continue;
      const parsed = parseMessage(frame.text);
      if (!parsed.ok) {
        this.fault("invalid_json", parsed.message, true);
        return;
      }
      this.run(parsed.value);
    }
    if (this.state.is !== "reading") return;
    const onlyPartial = this.decoder.holdsPartialOnly;
    const decodedAll = onlyPartial || this.decoder.bufferedBytes === 0;
    if (this.state.peerEnded && decodedAll) {
      // Nobody is left to read a reply to a half line: record it and close.
      const [truncated] = this.decoder.end();
      if (truncated?.kind === "error") this.fault(truncated.error, truncated.message, false);
      else this.finish();
      return;
    }
    const readMore = decodedAll && this.inFlight < this.limits.maxInFlight && !this.socket.writableNeedDrain;
    // The timer measures one line's age while we read: a completed line restarts it, a trickle
    // of bytes does not. While we are not reading (the peer is not taking its replies) the
    // line cannot complete, and the idle timeout bounds that instead.
    if (tookLine || !onlyPartial || !readMore) this.clearPartialTimer();
    if (onlyPartial && readMore && this.partialTimer === undefined) {
      this.partialTimer = setTimeout(() => {
        this.partialTimer = undefined;
        if (this.state.is === "reading" && this.decoder.holdsPartialOnly) {
          this.fault("partial_timeout", `message not completed within ${Math.round(this.limits.partialLineMs / 1000)} s`, true);
        }
      }, this.limits.partialLineMs).unref();
    }
    if (readMore) this.socket.resume();
    else this.socket.pause();
  }

  private run(message: Record<string, unknown>): void {
    if (this.inFlight === 0) {
      let result: object | Promise<object>;
      try {
        result = this.handler.handle(message);
      } catch {
        this.send(internalError);
        return;
      }
      if (!(result instanceof Promise)) {
        this.send(result);
        return;
      }
      this.inFlight++;
      this.tail = result.then((r) => { this.send(r); }, () => { this.send(internalError); }).finally(() => { this.settle(); });
      return;
    }
    this.inFlight++;
    this.tail = this.tail
      .then(() => this.handler.handle(message))
      .then((r) => { this.send(r); }, () => { this.send(internalError); })
      .finally(() => { this.settle(); });
  }

  private settle(): void {
    this.inFlight--;
    if (this.state.is === "finishing") this.maybeEnd();
    else this.pump();
  }

  private send(msg: object): void {
    if (this.state.is === "closed" || this.state.is === "ending" || this.socket.destroyed) return;
    let line: string;
    try {
      line = encodeMessage(msg);
    } catch {
      line = encodeMessage(tooLargeReply);
    }
    this.socket.write(line);
    if (this.socket.writableLength > this.limits.maxQueuedReplyBytes) {
      // Reading already stopped at the high-water mark; only replies already in flight get here.
      this.handler.onProtocolFault("reply_overflow", `more than ${this.limits.maxQueuedReplyBytes} bytes of replies queued unread`);
      this.socket.destroy();
    }
  }

  private fault(kind: ProtocolFault, message: string, reply: boolean): void {
    this.handler.onProtocolFault(kind, message);
    this.finish(reply ? errorResponse("protocol_error", `${message}. The connection is closed: reconnect and send one UTF-8 JSON object per line, at most ${maxMessageBytes} bytes.`) : undefined);
  }

  /** Stops reading requests; once in-flight ones are answered, sends `last` and ends. */
  private finish(last?: object): void {
    if (this.state.is !== "reading") return;
    this.state = { is: "finishing", last };
    this.clearPartialTimer();
    this.socket.pause();
    this.maybeEnd();
  }

  private maybeEnd(): void {
    if (this.state.is !== "finishing" || this.inFlight > 0) return;
    if (this.state.last !== undefined) this.send(this.state.last);
    this.releaseDrainWaiters();
    if (this.socket.destroyed) return;
    this.state = { is: "ending" };
    this.socket.end();
    // Keep reading (and dropping) so the peer's FIN is seen and the socket can close.
    this.socket.resume();
    const timer = setTimeout(() => { this.socket.destroy(); }, lingerMs).unref();
    // Clear it once the socket is gone so thousands of short connections don't keep closures alive.
    this.socket.once("close", () => { clearTimeout(timer); });
  }

  private clearPartialTimer(): void {
    if (this.partialTimer === undefined) return;
    clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}

/** At most this many requests in a refused peer's first batch are answered. */
const maxRefusals = 64;

/** How long a refused peer's first batch of requests may take to arrive. */
const refusalGraceMs = 1000;

/**
 * Refuses a connection at accept without serving it: `message` is written at once, and
 * each further line in the peer's first batch (counted, never decoded) gets the same answer,
 * so a client that pipelined its requests sees the refusal for each of them. Then it ends.
 */
export function refuseConnection(socket: Socket, message: object, onClose: () => void): ServedConnection {
  const line = encodeMessage(message);
  let answered = 1;
  let seen = 0;
  socket.write(line);
  socket.on("data", (chunk: Buffer) => {
    if (socket.writableEnded) return;
    for (let at = chunk.indexOf(0x0a); at !== -1 && seen < maxRefusals; at = chunk.indexOf(0x0a, at + 1)) seen++;
    for (; answered < seen; answered++) socket.write(line);
    if (seen > 0) socket.end();
  });
  socket.on("end", () => { socket.end(); });
  socket.on("error", () => { socket.destroy(); });
  // A peer that sends nothing has no batch to wait for: end after a moment, destroy after the linger.
  const grace = setTimeout(() => { socket.end(); }, refusalGraceMs).unref();
  const timer = setTimeout(() => { socket.destroy(); }, refusalGraceMs + lingerMs).unref();
  socket.once("close", () => {
    clearTimeout(grace);
    clearTimeout(timer);
    onClose();
  });
  return {
    drain: () => {
      socket.destroy();
      return Promise.resolve();
    },
    endWith: () => { socket.end(); },
  };
}

/**
 * Serves NDJSON on one socket: requests are answered in order, pipelining allowed. A line
 * that is oversized, not UTF-8 or not JSON gets protocol_error and the connection is closed
 * (the stream cannot be trusted after it); a well-formed request that fails validation is
 * answered by the handler and the connection stays open. The socket must come from a server
 * created with `allowHalfOpen: true`, so replies to pipelined requests still go out after
 * the client half-closes.
 */
export function serveNdjson(socket: Socket, handler: RequestHandler, limits: ConnectionLimits = defaultConnectionLimits): ServedConnection {
  return new NdjsonConnection(socket, handler, limits);
}
