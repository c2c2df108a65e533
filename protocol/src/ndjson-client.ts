// The transport-free half of a request/response NDJSON client, shared by the broker's CLI and
// the container client: each wires it to its own socket and words failures in its own terms.
import { encodeMessage, NdjsonDecoder, parseMessage, type FramingErrorKind } from "./framing.ts";

/** What a socket error code means for a client, whatever the side. */
export type SocketTrouble =
  /** EACCES/EPERM: the socket (or its directory) is not ours to use. */
  | "permission"
  /** ENOENT/ENOTDIR: nothing at that path. */
  | "missing"
  /** ECONNREFUSED: a socket file nobody listens on. */
  | "refused"
  /** ECONNRESET/EPIPE: the other end went away mid-exchange. */
  | "lost"
  | "other";

/** Classifies a Node socket error code (`err.code`); each side maps the class to its message. */
export function classifySocketErrno(code: string | undefined): SocketTrouble {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission";
    case "ENOENT":
    case "ENOTDIR":
      return "missing";
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
      return "lost";
    case undefined:
    default:
      return "other";
  }
}

/** Why a reply could not be read: the byte stream broke (fatal for the connection), or one line was not a JSON object. */
export type UnreadableReply =
  | { kind: "framing"; error: FramingErrorKind; message: string }
  | { kind: "json"; message: string };

/** One decoded reply: a JSON object, not yet checked against the protocol. */
export type RawReply = Record<string, unknown>;

interface Waiter<E> {
  resolve(reply: RawReply): void;
  reject(error: E): void;
}

/**
 * Matches replies to requests. The broker answers each connection's requests in order, so the
 * n-th reply line belongs to the n-th request: requests can be pipelined, one write per batch.
 * After the first failure (a broken stream, or one the caller reports with {@link fail}) every
 * pending and later request fails with it.
 */
export class ReplyQueue<E extends Error> {
  private readonly decoder = new NdjsonDecoder();
  private waiting: Waiter<E>[] = [];
  private failed: E | undefined;

  /** @param unreadable - builds the caller's error for a reply it cannot read */
  constructor(private readonly unreadable: (why: UnreadableReply) => E) {}

  /**
   * Encodes `requests` for one write and returns a promise per reply, in order.
   * @throws the queue's failure once it has failed; Error when a request exceeds the line limit
   */
  send(requests: readonly object[]): { text: string; replies: Promise<RawReply>[] } {
    if (this.failed !== undefined) throw this.failed;
    const text = requests.map((r) => encodeMessage(r)).join("");
    const replies = requests.map(() => new Promise<RawReply>((resolve, reject) => { this.waiting.push({ resolve, reject }); }));
    return { text, replies };
  }

  /**
   * Feeds reply bytes and settles the replies they complete. A line that is not JSON fails its
   * own request only; a broken stream fails them all.
   * @returns false when the stream broke: the caller closes its socket
   */
  receive(chunk: Uint8Array): boolean {
    for (const frame of this.decoder.push(chunk)) {
      if (frame.kind === "error") {
        this.fail(this.unreadable({ kind: "framing", error: frame.error, message: frame.message }));
        return false;
      }
      const parsed = parseMessage(frame.text);
      // A line nobody asked for (after a failure, or beyond the batch) is dropped.
      const next = this.waiting.shift();
      if (next === undefined) continue;
      if (parsed.ok) next.resolve(parsed.value);
      else next.reject(this.unreadable({ kind: "json", message: parsed.message }));
    }
    return true;
  }

  /** Fails every pending and later request; the first failure is the one kept. */
  fail(error: E): void {
    this.failed ??= error;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.reject(this.failed);
  }

  /** The failure, once there is one. */
  get failure(): E | undefined {
    return this.failed;
  }

  /** Requests still waiting for their reply. */
  get pending(): number {
    return this.waiting.length;
  }
}
