import { fc, test as propTest } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import { LineIndex } from "../../../language-server/src/toml/positions.ts";

describe("LineIndex", () => {
  it("counts UTF-16 code units on a line with an emoji (surrogate pair)", () => {
    const text = "description = \"🔑 key\"\nname = \"x\"\n";
    const idx = new LineIndex(text);
    const k = text.indexOf("key");
    // 🔑 is U+1F511: two UTF-16 units, so "key" starts at column 18 (17 if code points were counted).
    expect(idx.positionAt(k)).toEqual({ line: 0, character: 18 });
    expect(idx.offsetAt({ line: 0, character: 18 })).toBe(k);
    expect(idx.positionAt(text.indexOf("name"))).toEqual({ line: 1, character: 0 });
  });

  it("treats \\r\\n, \\n and a lone \\r as line breaks and never places a position inside \\r\\n", () => {
    const idx = new LineIndex("a\r\nb\rc\nd");
    expect(idx.lineCount).toBe(4);
    expect(idx.positionAt(2)).toEqual({ line: 0, character: 1 });
    expect(idx.positionAt(3)).toEqual({ line: 1, character: 0 });
    expect(idx.positionAt(5)).toEqual({ line: 2, character: 0 });
    expect(idx.lineEnd(0)).toBe(1);
  });

  it("clamps out-of-range offsets and positions", () => {
    const idx = new LineIndex("ab\ncd");
    expect(idx.positionAt(-5)).toEqual({ line: 0, character: 0 });
    expect(idx.positionAt(99)).toEqual({ line: 1, character: 2 });
    expect(idx.offsetAt({ line: 0, character: 99 })).toBe(2);
    expect(idx.offsetAt({ line: 9, character: 0 })).toBe(5);
  });

  it("converts smol-toml's 1-based line and column", () => {
    const idx = new LineIndex("a = 1\nb = \"🔑\nc = 2");
    expect(idx.offsetOfLineColumn(2, 7)).toBe("a = 1\nb = \"🔑".length - 1);
  });

  propTest.prop([fc.array(fc.constantFrom("a", "🔑", "\n", "\r\n", "\r", " ", "é", "\u{10FFFF}"), { maxLength: 60 }).map((a) => a.join("")), fc.nat()], { numRuns: 500 })(
    "agrees with vscode-languageserver-textdocument on every offset", (text, n) => {
      const idx = new LineIndex(text);
      const doc = TextDocument.create("file:///x", "toml", 1, text);
      const offset = text.length === 0 ? 0 : n % (text.length + 1);
      expect(idx.positionAt(offset)).toEqual(doc.positionAt(offset));
      const p = doc.positionAt(offset);
      expect(idx.offsetAt(p)).toBe(doc.offsetAt(p));
    });
});
