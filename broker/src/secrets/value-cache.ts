/** Limits of one project's cache: the manifest's, capped by the broker's. */
export interface CacheLimits {
  ttlSeconds: number;
  maxEntries: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A project's cache of resolved secrets (name → value), bounded by `maxEntries`
 * (least recently used goes first) and `ttlSeconds`. It is emptied whenever the
 * bundles or the manifest change, so it never serves a value a push replaced. It holds
 * references to the store's Buffers, never copies, so wiping the store wipes it too.
 */
export class ValueCache<V = Buffer> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private limits: CacheLimits, private readonly now: () => number) {}

  /** The cached value, refreshing its recency; undefined when absent or expired. */
  get(name: string): V | undefined {
    const e = this.entries.get(name);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(name);
      return undefined;
    }
    this.entries.delete(name);
    this.entries.set(name, e);
    return e.value;
  }

  /** Stores a value, evicting the least recently used entry when full. */
  set(name: string, value: V): void {
    this.entries.delete(name);
    while (this.entries.size >= this.limits.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(name, { value, expiresAt: this.now() + this.limits.ttlSeconds * 1000 });
  }

  /** Empties the cache. */
  clear(): void {
    this.entries.clear();
  }

  /** Applies new limits (after a reload) and empties the cache. */
  setLimits(limits: CacheLimits): void {
    this.limits = limits;
    this.entries.clear();
  }

  /** Current limits. */
  get currentLimits(): CacheLimits {
    return this.limits;
  }

  /** Live entries (expired ones are dropped first). */
  get size(): number {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= t) this.entries.delete(k);
    return this.entries.size;
  }
}
