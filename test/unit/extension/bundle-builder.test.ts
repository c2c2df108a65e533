import { describe, expect, it } from "vitest";
import { buildBundle } from "../../../extension/src/push/bundle-builder.ts";

describe("buildBundle", () => {
  it("asks only for allowlisted names, once each, and lists the missing ones", async () => {
    const store: Record<string, string> = { A: "1", B: "", OFF_LIST: "never" };
    const asked: string[] = [];
    const r = await buildBundle(["A", "B", "C", "A"], (n) => {
      asked.push(n);
      return Promise.resolve(store[n]);
    });
    expect(asked).toEqual(["A", "B", "C"]);
    expect([...r.secrets]).toEqual([["A", "1"]]);
    expect(r.missing).toEqual(["B", "C"]);
  });

  it("never passes an invalid name to the lookup", async () => {
    const asked: string[] = [];
    const r = await buildBundle(["OK", "../etc", "bad name"], (n) => { asked.push(n); return Promise.resolve("v"); });
    expect(asked).toEqual(["OK"]);
    expect(r.missing).toEqual(["../etc", "bad name"]);
  });

  it("returns an empty bundle for an empty allowlist without calling the lookup", async () => {
    const r = await buildBundle([], () => { throw new Error("must not be called"); });
    expect(r).toEqual({ secrets: new Map(), missing: [] });
  });
});
