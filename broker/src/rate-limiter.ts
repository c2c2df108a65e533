/** Token-bucket settings: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** The broker's default: generous for a container start, tight for a loop exfiltrating secrets. */
export const defaultRateLimit: RateLimit = { perSecond: 50, burst: 200 };

interface Bucket {
  tokens: number;
  at: number;
}

/** Result of {@link RateLimiter.take}: allowed, or how long to wait. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Per-key token buckets (the key is the peer's UID on a project socket, or the
 * connection when the UID is unknown). Pure apart from the injected clock.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit, private readonly now: () => number = Date.now) {}

  /** Takes one token for `key`. */
  take(key: string): RateDecision {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.limit.burst, at: t };
      this.buckets.set(key, b);
      if (this.buckets.size > 4096) this.sweep(t);
    } else {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    const wait = (1 - b.tokens) / this.limit.perSecond;
    return { ok: false, retryAfterSeconds: Math.max(0.001, Math.ceil(wait * 1000) / 1000) };
  }

  /** Forgets a key (a connection that closed). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  private sweep(t: number): void {
    // Full buckets carry no state worth keeping.
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(k);
    }
  }
}
