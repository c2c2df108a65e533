import { describe, expect } from "vitest";
import { fc, test as propTest } from "@fast-check/vitest";
import { NdjsonDecoder, type Frame } from "#protocol";

const slow = process.env.SLOW === "1";
const cap = 64;

/** What the decoder must yield for `all`, computed the simple way: split on newlines, stop at the first oversize. */
function reference(all: Uint8Array, ended: boolean): string[] {
  const out: string[] = [];
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  for (;;) {
    const nl = all.indexOf(0x0a, start);
    if (nl === -1) {
      const rest = all.length - start;
      if (rest >= cap) out.push("!oversize");
      else if (ended && rest > 0) out.push("!truncated");
      return out;
    }
    if (nl - start + 1 > cap) {
      out.push("!oversize");
      return out;
    }
    try {
      const text = utf8.decode(all.subarray(start, nl));
      out.push(text.endsWith("\r") ? text.slice(0, -1) : text);
    } catch {
      out.push("!invalid_utf8");
    }
    start = nl + 1;
  }
}

const show = (f: Frame): string => (f.kind === "line" ? f.text : `!${f.error}`);

/** Bytes that are mostly short lines, with the odd newline-free run and invalid UTF-8. */
const stream = fc.array(fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc.integer({ min: 1, max: 2 * cap }).map((n) => new Uint8Array(n).fill(0x41)),
  fc.constantFrom(new Uint8Array([0x0a]), new Uint8Array([0x7b, 0x7d, 0x0a]), new Uint8Array([0xc3, 0x0a]), new Uint8Array([0x0d, 0x0a])),
), { maxLength: 40 }).map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

/** Feeds `all` cut into `sizes` (cycled), pulling lines with next(); checks the memory bound after every feed. */
function decodeInChunks(all: Uint8Array, sizes: number[], ended: boolean): string[] {
  const d = new NdjsonDecoder(cap);
  const got: string[] = [];
  let at = 0;
  let i = 0;
  while (at < all.length) {
    const n = sizes[i++ % sizes.length]!;
    const chunk = all.subarray(at, at + n);
    d.feed(chunk);
    // A held partial line is below the cap; the rest is at most the chunk just fed.
    expect(d.bufferedBytes).toBeLessThanOrEqual(cap + chunk.length);
    expect(d.capacityBytes).toBeLessThanOrEqual(Math.max(256, 2 * (cap + chunk.length)));
    for (let f = d.next(); f !== undefined; f = d.next()) got.push(show(f));
    expect(d.bufferedBytes).toBeLessThan(cap);
    at += n;
  }
  if (ended) got.push(...d.end().map(show));
  return got;
}

describe("NdjsonDecoder under random bytes", () => {
  propTest.prop([stream, fc.boolean()], { numRuns: slow ? 5000 : 200 })(
    "yields what a plain split yields when fed one byte at a time, and buffers less than the cap", (all, ended) => {
      expect(decodeInChunks(all, [1], ended)).toEqual(reference(all, ended));
    });

  propTest.prop([stream, fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 12 }), fc.boolean()], { numRuns: slow ? 5000 : 300 })(
    "yields the same under random splits, never holding more than the cap plus one chunk", (all, sizes, ended) => {
      expect(decodeInChunks(all, sizes, ended)).toEqual(reference(all, ended));
    });

  propTest.prop([fc.uint8Array({ minLength: 1, maxLength: 4096 })], { numRuns: slow ? 2000 : 100 })(
    "push and feed+next agree on arbitrary bytes", (all) => {
      const a = new NdjsonDecoder(cap).push(all).map(show);
      expect(a).toEqual(reference(all, false));
    });
});
