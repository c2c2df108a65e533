import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../broker/src/rate-limiter.ts";

describe("RateLimiter", () => {
  it("allows a burst, then refuses with the time until the next token", () => {
    let now = 1000;
    const rl = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([rl.take("a"), rl.take("a"), rl.take("a")]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(rl.take("a")).toEqual({ ok: false, retryAfterSeconds: 0.5 });
    now += 250;
    expect(rl.take("a")).toEqual({ ok: false, retryAfterSeconds: 0.25 });
    now += 250;
    expect(rl.take("a")).toEqual({ ok: true });
  });

  it("keeps separate buckets per key", () => {
    const rl = new RateLimiter({ perSecond: 1, burst: 1 }, () => 0);
    expect(rl.take("uid:1")).toEqual({ ok: true });
    expect(rl.take("uid:1").ok).toBe(false);
    expect(rl.take("uid:2")).toEqual({ ok: true });
  });

  it("never refills beyond the burst", () => {
    let now = 0;
    const rl = new RateLimiter({ perSecond: 10, burst: 2 }, () => now);
    rl.take("k");
    now += 60_000;
    expect([rl.take("k").ok, rl.take("k").ok, rl.take("k").ok]).toEqual([true, true, false]);
  });

  it("forgets a key", () => {
    const rl = new RateLimiter({ perSecond: 1, burst: 1 }, () => 0);
    rl.take("k");
    rl.forget("k");
    expect(rl.take("k")).toEqual({ ok: true });
  });
});
