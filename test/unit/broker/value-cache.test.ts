import { describe, expect, it } from "vitest";
import { ValueCache } from "../../../broker/src/secrets/value-cache.ts";

describe("ValueCache", () => {
  it("expires entries after ttlSeconds", () => {
    let now = 0;
    const c = new ValueCache<string>({ ttlSeconds: 10, maxEntries: 4 }, () => now);
    c.set("A", "a");
    now = 9_999;
    expect(c.get("A")).toBe("a");
    now = 10_000;
    expect(c.get("A")).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it("evicts the least recently used entry beyond maxEntries", () => {
    const c = new ValueCache<string>({ ttlSeconds: 60, maxEntries: 2 }, () => 0);
    c.set("A", "a");
    c.set("B", "b");
    expect(c.get("A")).toBe("a"); // A is now the most recent
    c.set("C", "c");
    expect([c.get("A"), c.get("B"), c.get("C")]).toEqual(["a", undefined, "c"]);
    expect(c.size).toBe(2);
  });

  it("empties on clear and on new limits", () => {
    const c = new ValueCache<string>({ ttlSeconds: 60, maxEntries: 2 }, () => 0);
    c.set("A", "a");
    c.clear();
    expect(c.size).toBe(0);
    c.set("A", "a");
    c.setLimits({ ttlSeconds: 5, maxEntries: 1 });
    expect(c.size).toBe(0);
    expect(c.currentLimits).toEqual({ ttlSeconds: 5, maxEntries: 1 });
  });
});
