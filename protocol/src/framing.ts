import { maxMessageBytes } from "./wire.ts";

/** Why a byte stream could not be split into messages. */
export type FramingErrorKind = "oversize" | "invalid_utf8" | "truncated";

/** One event out of {@link NdjsonDecoder}: a complete line of text, or a framing error. */
export type Frame =
  | { kind: "line"; text: string }
  | { kind: "error"; error: FramingErrorKind; message: string };

const newline = 0x0a;

/**
 * Splits a byte stream into UTF-8 lines of at most `maxBytes` (newline included).
 * Buffer-based, one job, in the manner of typage's LineReader. After an `oversize`
 * error the stream cannot be resynchronised, so the decoder yields nothing more.
 */
export class NdjsonDecoder {
  private readonly maxBytes: number;
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private failed = false;

  constructor(maxBytes: number = maxMessageBytes) {
    this.maxBytes = maxBytes;
  }

  /** Feeds bytes; returns the frames they complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    if (this.failed) return [];
    const frames: Frame[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(newline, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes + piece.length + 1 > this.maxBytes) return this.fail(frames);
      frames.push(this.decodeLine(this.take(piece)));
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0) {
      if (this.pendingBytes + rest.length >= this.maxBytes) return this.fail(frames);
      // Copy: the caller may reuse its buffer.
      this.pending.push(rest.slice());
      this.pendingBytes += rest.length;
    }
    return frames;
  }

  /** Signals end of stream; a half-sent line becomes a `truncated` error. */
  end(): Frame[] {
    if (this.failed || this.pendingBytes === 0) return [];
    this.pending = [];
    this.pendingBytes = 0;
    return [{ kind: "error", error: "truncated", message: "the connection closed in the middle of a message" }];
  }

  /** Bytes held for an unfinished line. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private take(last: Uint8Array): Uint8Array {
    if (this.pendingBytes === 0) return last;
    const out = new Uint8Array(this.pendingBytes + last.length);
    let at = 0;
    for (const p of this.pending) {
      out.set(p, at);
      at += p.length;
    }
    out.set(last, at);
    this.pending = [];
    this.pendingBytes = 0;
    return out;
  }

  private decodeLine(bytes: Uint8Array): Frame {
    try {
      let text = this.utf8.decode(bytes);
      if (text.endsWith("\r")) text = text.slice(0, -1);
      return { kind: "line", text };
    } catch {
      return { kind: "error", error: "invalid_utf8", message: "message is not valid UTF-8" };
    }
  }

  private fail(frames: Frame[]): Frame[] {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    frames.push({ kind: "error", error: "oversize", message: `message exceeds ${this.maxBytes} bytes` });
    return frames;
  }
}

/** What {@link parseMessage} makes of one line. */
export type ParsedMessage =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; message: string };

/** Parses one line as a JSON object; anything else is a clear, value-free error. */
export function parseMessage(line: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, message: "message is not valid JSON: send one JSON object per line" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: "message must be a JSON object with an \"op\" field" };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

const encoder = new TextEncoder();

/**
 * Serialises a message as one line (JSON + "\n").
 * @throws Error when the line would exceed `maxBytes`
 */
export function encodeMessage(message: object, maxBytes: number = maxMessageBytes): string {
  const line = JSON.stringify(message) + "\n";
  // A UTF-8 byte count is at most 3x the UTF-16 length; only encode when it might matter.
  if (line.length * 3 > maxBytes && encoder.encode(line).length > maxBytes) {
    throw new Error(`ndjson line exceeds ${maxBytes} bytes`);
  }
  return line;
}
