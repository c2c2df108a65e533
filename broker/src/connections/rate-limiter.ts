/** Token-bucket settings: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** The two buckets a get takes a token from: its peer's (UID on one project) and its project's. */
export interface RateLimits {
  peer: RateLimit;
  project: RateLimit;
}

/**
 * The broker's per-peer default. A container start (20 processes each fetching 20 names at
 * once, 400 gets) fits in the burst twice over; a loop that keeps asking is held to a few
 * hundred gets a second, which no container start needs and which bounds a scan of names.
 */
export const defaultRateLimit: RateLimit = { perSecond: 200, burst: 1000 };

/** How much more a whole project may ask than one of its peers (several UIDs in one container). */
export const projectRateFactor = 4;

/** The project bucket that goes with a peer bucket when none is given. */
export function projectLimitFor(peer: RateLimit): RateLimit {
  return { perSecond: peer.perSecond * projectRateFactor, burst: peer.burst * projectRateFactor };
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Result of {@link RateLimiter.take}: allowed, or how long to wait. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Per-key token buckets with one limit. Pure apart from the injected clock.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit, private readonly now: () => number) {}

  /** Takes one token for `key`. */
  take(key: string): RateDecision {
    const decision = this.check(key);
    if (decision.ok) this.bucket(key, this.now()).tokens -= 1;
    return decision;
  }

  /** Whether `key` has a token now, without taking it. */
  check(key: string): RateDecision {
    const b = this.bucket(key, this.now());
    if (b.tokens >= 1) return { ok: true };
    const wait = (1 - b.tokens) / this.limit.perSecond;
    return { ok: false, retryAfterSeconds: Math.max(0.001, Math.ceil(wait * 1000) / 1000) };
  }

  /** Forgets a key (a connection that closed). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  private bucket(key: string, t: number): Bucket {
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.limit.burst, at: t };
      this.buckets.set(key, b);
      if (this.buckets.size > 4096) this.sweep(t);
    } else if (t !== b.at) {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
      b.at = t;
    }
    return b;
  }

  private sweep(t: number): void {
    // Full buckets carry no state worth keeping.
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(k);
    }
  }
}

/**
 * A get takes a token from its peer's bucket and from its project's: one UID cannot starve
 * the others of its project, and a project running many UIDs still cannot scan without bound.
 * A refused get takes nothing from either bucket.
 */
export class RequestLimiter {
  private readonly peers: RateLimiter;
  private readonly projects: RateLimiter;

  constructor(limits: RateLimits, now: () => number) {
    this.peers = new RateLimiter(limits.peer, now);
    this.projects = new RateLimiter(limits.project, now);
  }

  /** Takes a token for `peerKey` (unique across projects) and for `project`, or neither. */
  take(project: string, peerKey: string): RateDecision {
    const peer = this.peers.check(peerKey);
    const whole = this.projects.check(project);
    if (!peer.ok || !whole.ok) {
      const wait = Math.max(peer.ok ? 0 : peer.retryAfterSeconds, whole.ok ? 0 : whole.retryAfterSeconds);
      return { ok: false, retryAfterSeconds: wait };
    }
    this.peers.take(peerKey);
    this.projects.take(project);
    return { ok: true };
  }

  /** Forgets a peer key (a connection of unknown UID that closed). */
  forget(peerKey: string): void {
    this.peers.forget(peerKey);
  }
}
