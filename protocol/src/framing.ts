import { maxMessageBytes } from "./wire.ts";

/** Why a byte stream could not be split into messages. */
export type FramingErrorKind = "oversize" | "invalid_utf8" | "truncated";

/** One event out of {@link NdjsonDecoder}: a complete line of text, or a framing error. */
export type Frame =
  | { kind: "line"; text: string }
  | { kind: "error"; error: FramingErrorKind; message: string };

const newline = 0x0a;

/** Bytes a decoder keeps allocated between lines; a larger buffer is dropped once it empties. */
const keptCapacity = 4096;

/**
 * Splits a byte stream into UTF-8 lines of at most `maxBytes` (newline included).
 * Buffer-based, one job, in the manner of typage's LineReader. Bytes are coalesced into
 * one growing buffer (never a list of the caller's chunks), so a peer sending one byte at
 * a time costs one byte per byte. {@link feed} + {@link next} let a caller stop taking
 * lines mid-chunk (backpressure) with at most the cap plus one chunk buffered; {@link push}
 * takes them all. After an `oversize` error the stream cannot be resynchronised, so the
 * decoder yields nothing more.
 */
export class NdjsonDecoder {
  private readonly maxBytes: number;
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });
  private buf = new Uint8Array(0);
  private head = 0;
  private tail = 0;
  /** Bytes from `head` already searched for a newline without finding one. */
  private scanned = 0;
  private failed = false;

  constructor(maxBytes: number = maxMessageBytes) {
    this.maxBytes = maxBytes;
  }

  /** Feeds bytes; returns the frames they complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    this.feed(chunk);
    const frames: Frame[] = [];
    for (let f = this.next(); f !== undefined; f = this.next()) frames.push(f);
    return frames;
  }

  /** Appends bytes (copied: the caller may reuse its buffer) without decoding them yet. */
  feed(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    const held = this.tail - this.head;
    if (this.tail + chunk.length > this.buf.length) {
      const need = held + chunk.length;
      if (need <= this.buf.length) {
        this.buf.copyWithin(0, this.head, this.tail);
      } else {
        let size = Math.max(256, this.buf.length);
        while (size < need) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.buf.subarray(this.head, this.tail));
        this.buf = grown;
      }
      this.head = 0;
      this.tail = held;
    }
    this.buf.set(chunk, this.tail);
    this.tail += chunk.length;
  }

  /** The next complete line or error from what was fed, or undefined until more bytes come. */
  next(): Frame | undefined {
    if (this.failed || this.head === this.tail) return undefined;
    const window = this.buf.subarray(this.head + this.scanned, this.tail);
    const at = window.indexOf(newline);
    if (at === -1) {
      this.scanned = this.tail - this.head;
      // No newline yet: a line this long can no longer fit in maxBytes with its newline.
      if (this.scanned >= this.maxBytes) return this.fail();
      return undefined;
    }
    const lineEnd = this.head + this.scanned + at;
    if (lineEnd - this.head + 1 > this.maxBytes) return this.fail();
    const frame = this.decodeLine(this.buf.subarray(this.head, lineEnd));
    this.head = lineEnd + 1;
    this.scanned = 0;
    if (this.head === this.tail) this.reset();
    return frame;
  }

  /** Signals end of stream; a half-sent line becomes a `truncated` error. */
  end(): Frame[] {
    if (this.failed || this.head === this.tail) return [];
    this.reset();
    return [{ kind: "error", error: "truncated", message: "the connection closed in the middle of a message" }];
  }

  /** Bytes held: an unfinished line, plus fed lines not yet taken with {@link next}. */
  get bufferedBytes(): number {
    return this.tail - this.head;
  }

  /** True when the bytes held are only an unfinished line (no complete line is waiting). */
  get holdsPartialOnly(): boolean {
    return this.head !== this.tail && this.scanned === this.tail - this.head;
  }

  /** Bytes allocated for buffering (what the decoder costs in memory). */
  get capacityBytes(): number {
    return this.buf.length;
  }

  private reset(): void {
    this.head = 0;
    this.tail = 0;
    this.scanned = 0;
    if (this.buf.length > keptCapacity) this.buf = new Uint8Array(0);
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

  private fail(): Frame {
    this.failed = true;
    this.buf = new Uint8Array(0);
    this.head = 0;
    this.tail = 0;
    this.scanned = 0;
    return { kind: "error", error: "oversize", message: `message exceeds ${this.maxBytes} bytes` };
  }
}

/**
 * Splits a byte stream into text lines for a tail (an audit file, a command's output), where
 * {@link NdjsonDecoder}'s strictness would be wrong: a line is decoded only once its newline
 * has come, so a chunk boundary never splits a UTF-8 character; a line longer than `maxBytes`
 * is skipped up to its newline and the stream goes on; undecodable bytes become U+FFFD for
 * the caller's parser to refuse. A trailing `\r` is dropped, as the decoder does.
 */
export class LineSplitter {
  private readonly maxBytes: number;
  private readonly utf8 = new TextDecoder("utf-8");
  private buf = new Uint8Array(0);
  private held = 0;
  /** True while the rest of an over-long line is dropped. */
  private skipping = false;

  constructor(maxBytes: number = 1024 * 1024) {
    this.maxBytes = maxBytes;
  }

  /** Feeds bytes; returns the lines they complete, in order. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(newline); nl !== -1; nl = chunk.indexOf(newline, start)) {
      this.hold(chunk.subarray(start, nl));
      if (!this.skipping) lines.push(this.take());
      this.held = 0;
      this.skipping = false;
      start = nl + 1;
    }
    this.hold(chunk.subarray(start));
    if (this.held === 0 && this.buf.length > keptCapacity) this.buf = new Uint8Array(0);
    return lines;
  }

  /** Bytes of an unfinished line held (0 while an over-long one is skipped). */
  get pendingBytes(): number {
    return this.held;
  }

  private hold(bytes: Uint8Array): void {
    if (this.skipping || bytes.length === 0) return;
    if (this.held + bytes.length >= this.maxBytes) {
      this.skipping = true;
      this.held = 0;
      return;
    }
    if (this.held + bytes.length > this.buf.length) {
      let size = Math.max(256, this.buf.length);
      while (size < this.held + bytes.length) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.buf.subarray(0, this.held));
      this.buf = grown;
    }
    this.buf.set(bytes, this.held);
    this.held += bytes.length;
  }

  private take(): string {
    const end = this.held > 0 && this.buf[this.held - 1] === 0x0d ? this.held - 1 : this.held;
    const text = this.utf8.decode(this.buf.subarray(0, end));
    if (this.buf.length > keptCapacity) this.buf = new Uint8Array(0);
    return text;
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
