import { describe, expect, it } from "vitest";
import { fc, test as propTest } from "@fast-check/vitest";
import { encodeMessage, maxMessageBytes, NdjsonDecoder, parseMessage, type Frame } from "#protocol";

const bytes = (s: string) => new TextEncoder().encode(s);
const lines = (frames: Frame[]) => frames.map((f) => (f.kind === "line" ? f.text : `!${f.error}`));

describe("NdjsonDecoder", () => {
  it("splits complete lines and keeps a partial one for later", () => {
    const d = new NdjsonDecoder();
    expect(lines(d.push(bytes("{\"op\":\"ping\"}\n{\"op\":")))).toEqual(["{\"op\":\"ping\"}"]);
    expect(d.bufferedBytes).toBe(6);
    expect(lines(d.push(bytes("\"info\"}\n")))).toEqual(["{\"op\":\"info\"}"]);
  });

  it("accepts a line of exactly the limit and rejects one byte more", () => {
    const exact = "x".repeat(maxMessageBytes - 1) + "\n";
    expect(lines(new NdjsonDecoder().push(bytes(exact)))).toEqual(["x".repeat(maxMessageBytes - 1)]);
    const over = "x".repeat(maxMessageBytes) + "\n";
    expect(lines(new NdjsonDecoder().push(bytes(over)))).toEqual(["!oversize"]);
  });

  it("reports oversize before the newline arrives and then yields nothing", () => {
    const d = new NdjsonDecoder(16);
    expect(lines(d.push(bytes("a".repeat(16))))).toEqual(["!oversize"]);
    expect(d.push(bytes("\n{}\n"))).toEqual([]);
  });

  it("reports invalid UTF-8 for that line only", () => {
    const d = new NdjsonDecoder();
    const frames = d.push(new Uint8Array([0xff, 0xfe, 0x0a, 0x7b, 0x7d, 0x0a]));
    expect(lines(frames)).toEqual(["!invalid_utf8", "{}"]);
  });

  it("reports a half line at end of stream as truncated", () => {
    const d = new NdjsonDecoder();
    d.push(bytes("{\"op\""));
    expect(lines(d.end())).toEqual(["!truncated"]);
    expect(new NdjsonDecoder().end()).toEqual([]);
  });

  propTest.prop([fc.array(fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\n")), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 })])(
    "yields the same lines under any chunking", (msgs, cuts) => {
      const all = bytes(msgs.map((m) => m + "\n").join(""));
      const d = new NdjsonDecoder();
      const got: string[] = [];
      let at = 0;
      let i = 0;
      while (at < all.length) {
        const n = cuts[i++ % cuts.length]!;
        got.push(...lines(d.push(all.subarray(at, at + n))));
        at += n;
      }
      expect(got).toEqual(msgs.map((m) => (m.endsWith("\r") ? m.slice(0, -1) : m)));
    });
});

describe("parseMessage", () => {
  it("accepts an object and rejects JSON that is not one", () => {
    expect(parseMessage("{\"op\":\"ping\"}")).toEqual({ ok: true, value: { op: "ping" } });
    expect(parseMessage("[1]").ok).toBe(false);
    expect(parseMessage("{nope").ok).toBe(false);
  });
});

describe("encodeMessage", () => {
  it("writes one line and refuses an oversized message", () => {
    expect(encodeMessage({ ok: true })).toBe("{\"ok\":true}\n");
    expect(() => encodeMessage({ v: "é".repeat(40_000) })).toThrow(/exceeds 65536 bytes/);
  });
});
