import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import { createDocumentCache, type CacheRuntime } from "../../../language-server/src/document-cache.ts";

function fakeRuntime(): CacheRuntime & { tick: (ms: number) => void } {
  let now = 0;
  let sweep: (() => void) | undefined;
  return {
    now: () => now,
    setInterval: (fn) => { sweep = fn; return {}; },
    clearInterval: () => { sweep = undefined; },
    tick: (ms) => { now += ms; sweep?.(); },
  };
}

describe("createDocumentCache", () => {
  it("parses once per uri@version and again after a change", () => {
    let parses = 0;
    const cache = createDocumentCache(10, 60, (d) => { parses++; return d.getText(); }, fakeRuntime());
    const v1 = TextDocument.create("file:///a", "remo-manifest", 1, "one");
    expect([cache.get(v1), cache.get(v1)]).toEqual(["one", "one"]);
    expect(parses).toBe(1);
    const v2 = TextDocument.update(v1, [{ text: "two" }], 2);
    expect(cache.get(v2)).toBe("two");
    expect(parses).toBe(2);
  });

  it("evicts the least recently used model beyond its size, and idle ones on the sweep", () => {
    const rt = fakeRuntime();
    let parses = 0;
    const cache = createDocumentCache(2, 60, () => ++parses, rt);
    const doc = (n: number) => TextDocument.create(`file:///${n}`, "remo-manifest", 1, "");
    cache.get(doc(1));
    rt.tick(1);
    cache.get(doc(2));
    rt.tick(1);
    cache.get(doc(1));
    cache.get(doc(3)); // evicts 2, the least recently used
    expect(cache.get(doc(1))).toBe(1);
    expect(cache.get(doc(2))).toBe(4);
    rt.tick(61_000);
    expect(cache.get(doc(1))).toBe(5);
    cache.onDocumentRemoved("file:///1");
    expect(cache.get(doc(1))).toBe(6);
    cache.dispose();
  });
});
