/** What a masked secret becomes. */
export const maskText = "***";
const maskBytes = Buffer.from(maskText);

/**
 * Replaces every occurrence of any secret in a byte stream with `***`, however the
 * stream is cut into chunks. Pure: feed chunks with {@link SecretMasker.push}, then
 * call {@link SecretMasker.end}. Matching is leftmost-longest over bytes, so a
 * value split across chunks (or across a UTF-8 sequence) is still found.
 *
 * Only the shortest tail that could still become a secret is held back, so output
 * that cannot contain a secret is passed on at once (interactive prompts keep working).
 */
export class SecretMasker {
  private readonly secrets: Buffer[];
  /** 1 for each byte that starts some secret: a table lookup per byte keeps the scan cheap. */
  private readonly firstBytes = new Uint8Array(256);
  private held: Buffer = Buffer.alloc(0);

  constructor(values: readonly (string | Uint8Array)[]) {
    const unique = new Map<string, Buffer>();
    for (const v of values) {
      const b = typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);
      if (b.length > 0) unique.set(b.toString("latin1"), b);
    }
    // Longest first: at one position the longest secret wins.
    this.secrets = [...unique.values()].sort((a, b) => b.length - a.length);
    for (const s of this.secrets) this.firstBytes[s[0] ?? 0] = 1;
    this.distinctFirst = [...new Set(this.secrets.map((s) => s[0] ?? 0))];
  }

  private readonly distinctFirst: number[];

  /**
   * The next position at or after `from` where a secret could start. With few distinct
   * first bytes it uses Buffer.indexOf (native memchr), remembering each byte's next
   * position in `cache` so a byte that never occurs is searched for once per scan.
   */
  private nextCandidate(data: Buffer, from: number, cache: number[]): number {
    if (this.distinctFirst.length <= 8) {
      let best = data.length;
      for (const [i, b] of this.distinctFirst.entries()) {
        let at = cache[i] ?? -1;
        if (at < from) {
          at = data.indexOf(b, from);
          cache[i] = at < 0 ? data.length : at;
          at = cache[i];
        }
        if (at < best) best = at;
      }
      return best;
    }
    let p = from;
    while (p < data.length && this.firstBytes[data[p] ?? 0] === 0) p++;
    return p;
  }

  /** Feeds a chunk; returns the masked bytes that are safe to emit now. */
  push(chunk: Uint8Array): Buffer {
    const data = this.held.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.held, chunk]);
    const { out, keepFrom } = this.scan(data, false);
    this.held = Buffer.from(data.subarray(keepFrom));
    return out;
  }

  /** Ends the stream: a held tail that never became a secret is emitted as it is. */
  end(): Buffer {
    const { out } = this.scan(this.held, true);
    this.held = Buffer.alloc(0);
    return out;
  }

  /** Bytes held back, waiting for the next chunk. */
  get heldBytes(): number {
    return this.held.length;
  }

  private scan(data: Buffer, final: boolean): { out: Buffer; keepFrom: number } {
    if (this.secrets.length === 0) return { out: data, keepFrom: data.length };
    const parts: Buffer[] = [];
    let copied = 0;
    let p = 0;
    const cache: number[] = [];
    while (p < data.length) {
      p = this.nextCandidate(data, p, cache);
      if (p >= data.length) break;
      let match: Buffer | undefined;
      let mayGrow = false;
      for (const s of this.secrets) {
        const avail = data.length - p;
        if (avail >= s.length) {
          if (match === undefined && data.compare(s, 0, s.length, p, p + s.length) === 0) match = s;
        } else if (!final && match === undefined && data.compare(s, 0, avail, p, data.length) === 0) {
          // A longer secret may still complete here with the next chunk: wait for it.
          mayGrow = true;
        }
      }
      if (mayGrow) {
        parts.push(data.subarray(copied, p));
        return { out: Buffer.concat(parts), keepFrom: p };
      }
      if (match !== undefined) {
        parts.push(data.subarray(copied, p), maskBytes);
        p += match.length;
        copied = p;
      } else {
        p++;
      }
    }
    parts.push(data.subarray(copied));
    return { out: Buffer.concat(parts), keepFrom: data.length };
  }
}
