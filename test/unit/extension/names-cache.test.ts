import { describe, expect, it } from "vitest";
import { CachedUntilChanged } from "../../../extension/src/manifest-authoring/names-cache.ts";

function setup(maxAgeMs = 1000) {
  let loads = 0;
  let t = 0;
  let fire: () => void = () => undefined;
  let disposed = 0;
  const pending: ((v: string[]) => void)[] = [];
  let deferred = false;
  const cache = new CachedUntilChanged<string[]>(
    () => { loads++; const n = loads; return deferred ? new Promise((resolve) => pending.push(resolve)) : Promise.resolve([`load-${n}`]); },
    (changed) => { fire = changed; return [{ dispose: () => { disposed++; } }]; },
    () => t, maxAgeMs);
  return {
    cache,
    loads: () => loads,
    change: () => { fire(); },
    advance: (ms: number) => { t += ms; },
    defer: (on: boolean) => { deferred = on; },
    resolveNext: (v: string[]) => { pending.shift()?.(v); },
    disposed: () => disposed,
  };
}

describe("CachedUntilChanged", () => {
  it("loads once for repeated requests and again after a change", async () => {
    const s = setup();
    expect(await s.cache.get()).toEqual(["load-1"]);
    expect(await s.cache.get()).toEqual(["load-1"]);
    expect(s.loads()).toBe(1);
    s.change();
    expect(await s.cache.get()).toEqual(["load-2"]);
    expect(s.loads()).toBe(2);
  });

  it("loads again once the answer is older than its maximum age, changes seen or not", async () => {
    const s = setup(1000);
    await s.cache.get();
    s.advance(999);
    await s.cache.get();
    expect(s.loads()).toBe(1);
    s.advance(1);
    expect(await s.cache.get()).toEqual(["load-2"]);
  });

  it("does not keep an answer whose load began before a change", async () => {
    const s = setup();
    s.defer(true);
    const first = s.cache.get();
    s.change();
    s.resolveNext(["stale"]);
    expect(await first).toEqual(["stale"]);
    s.defer(false);
    expect(await s.cache.get()).toEqual(["load-2"]);
  });

  it("shares one load between requests made while it runs", async () => {
    const s = setup();
    s.defer(true);
    const a = s.cache.get();
    const b = s.cache.get();
    s.resolveNext(["shared"]);
    expect([await a, await b]).toEqual([["shared"], ["shared"]]);
    expect(s.loads()).toBe(1);
  });

  it("does not keep a failed load, and unsubscribes when disposed", async () => {
    let fail = true;
    let loads = 0;
    let disposed = 0;
    const cache = new CachedUntilChanged(() => { loads++; return fail ? Promise.reject(new Error("unreadable")) : Promise.resolve(["ok"]); }, () => [{ dispose: () => { disposed++; } }], () => 0);
    await expect(cache.get()).rejects.toThrow("unreadable");
    fail = false;
    expect(await cache.get()).toEqual(["ok"]);
    expect(loads).toBe(2);
    cache.dispose();
    expect(disposed).toBe(1);
  });
});
