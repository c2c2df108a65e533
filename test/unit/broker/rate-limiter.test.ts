import { describe, expect, it } from "vitest";
import { defaultRateLimit, projectLimitFor, RateLimiter, RequestLimiter } from "../../../broker/src/connections/rate-limiter.ts";

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

describe("RequestLimiter", () => {
  it("never limits 20 processes × 20 parallel gets from one UID at the defaults", () => {
    const rl = new RequestLimiter({ peer: defaultRateLimit, project: projectLimitFor(defaultRateLimit) }, () => 0);
    const refused = Array.from({ length: 400 }, () => rl.take("p", "p/uid:1000")).filter((d) => !d.ok);
    expect(refused).toEqual([]);
  });

  it("limits one UID's sustained flood at the defaults and tells it when to retry", () => {
    let now = 0;
    const rl = new RequestLimiter({ peer: defaultRateLimit, project: projectLimitFor(defaultRateLimit) }, () => now);
    let allowed = 0;
    // 10 s of 5,000 gets a second from one UID.
    for (let ms = 0; ms < 10_000; ms++) {
      now = ms;
      for (let i = 0; i < 5; i++) if (rl.take("p", "p/uid:1000").ok) allowed++;
    }
    expect(allowed).toBeLessThanOrEqual(defaultRateLimit.burst + 10 * defaultRateLimit.perSecond + 1);
    const last = rl.take("p", "p/uid:1000");
    expect(last.ok).toBe(false);
    expect(last.ok ? 0 : last.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("limits a project as a whole even when each UID stays under its own limit", () => {
    const rl = new RequestLimiter({ peer: { perSecond: 1, burst: 3 }, project: { perSecond: 1, burst: 5 } }, () => 0);
    const got = ["a", "a", "a", "b", "b", "b"].map((uid) => rl.take("p", `p/uid:${uid}`).ok);
    expect(got).toEqual([true, true, true, true, true, false]);
    // Another project has its own bucket.
    expect(rl.take("q", "q/uid:b")).toEqual({ ok: true });
  });

  it("takes nothing from the peer's bucket when the project's refuses", () => {
    let now = 0;
    const rl = new RequestLimiter({ peer: { perSecond: 1, burst: 2 }, project: { perSecond: 1, burst: 1 } }, () => now);
    expect(rl.take("p", "p/uid:a")).toEqual({ ok: true });
    expect(rl.take("p", "p/uid:a")).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 1000;
    // The peer still has its second token: the refused get did not spend it.
    expect(rl.take("p", "p/uid:a")).toEqual({ ok: true });
  });

  it("answers the longer wait when both buckets are empty", () => {
    const rl = new RequestLimiter({ peer: { perSecond: 2, burst: 1 }, project: { perSecond: 0.5, burst: 1 } }, () => 0);
    rl.take("p", "k");
    expect(rl.take("p", "k")).toEqual({ ok: false, retryAfterSeconds: 2 });
  });
});
