import { fc, test as propTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { LineSplitter } from "#protocol";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("LineSplitter", () => {
  it("returns complete lines and holds the unfinished one", () => {
    const s = new LineSplitter();
    expect(s.push(bytes("one\ntwo\nthr"))).toEqual(["one", "two"]);
    expect(s.pendingBytes).toBe(3);
    expect(s.push(bytes("ee\n"))).toEqual(["three"]);
    expect(s.pendingBytes).toBe(0);
  });

  it("keeps empty lines and drops a trailing CR", () => {
    expect(new LineSplitter().push(bytes("\na\r\n\r\n"))).toEqual(["", "a", ""]);
  });

  it("never splits a UTF-8 character cut across chunks", () => {
    const s = new LineSplitter();
    const all = bytes("é€😀\n");
    const out: string[] = [];
    for (const b of all) out.push(...s.push(new Uint8Array([b])));
    expect(out).toEqual(["é€😀"]);
  });

  it("skips a line longer than the cap up to its newline, then goes on", () => {
    const s = new LineSplitter(8);
    expect(s.push(bytes("1234567\n"))).toEqual(["1234567"]);
    expect(s.push(bytes("12345678"))).toEqual([]);
    expect(s.pendingBytes).toBe(0);
    expect(s.push(bytes("9 more\nnext\n"))).toEqual(["next"]);
    expect(s.push(bytes("aaaa"))).toEqual([]);
    expect(s.push(bytes("bbbb\nok\n"))).toEqual(["ok"]);
  });

  it("turns undecodable bytes into U+FFFD for the caller to refuse, and loses no line", () => {
    expect(new LineSplitter().push(new Uint8Array([0xff, 0x0a, 0x7b, 0x7d, 0x0a]))).toEqual(["\uFFFD", "{}"]);
  });

  // However the stream is cut into chunks, the same lines come out.
  propTest.prop([fc.array(fc.string({ unit: "grapheme", maxLength: 20 }), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 })], { numRuns: 100 })(
    "is independent of chunk boundaries", (texts, cuts) => {
      const clean = texts.map((t) => t.replaceAll("\n", "").replaceAll("\r", ""));
      const stream = bytes(clean.map((t) => `${t}\n`).join(""));
      const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const s = new LineSplitter();
      const out: string[] = [];
      let from = 0;
      for (const c of [...at, stream.length]) {
        out.push(...s.push(stream.subarray(from, c)));
        from = c;
      }
      expect(out).toEqual(clean);
    },
  );
});
