import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { SecretMasker } from "../../../devcontainer-feature/client/src/mask.ts";

/** Feeds `input` cut at `cuts` (byte offsets) and returns everything the masker emitted. */
function maskChunked(secrets: string[], input: Buffer, cuts: number[]): Buffer {
  const m = new SecretMasker(secrets);
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...new Set(cuts)].sort((a, b) => a - b)) {
    out.push(m.push(input.subarray(at, c)));
    at = c;
  }
  out.push(m.push(input.subarray(at)), m.end());
  return Buffer.concat(out);
}

/** The reference: leftmost-longest replacement over the whole text at once. */
function maskWhole(secrets: string[], input: string): string {
  const alternatives = [...new Set(secrets.filter((s) => s !== ""))].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return alternatives.length === 0 ? input : input.replace(new RegExp(alternatives.join("|"), "g"), "***");
}

describe("SecretMasker", () => {
  it("masks a secret split across chunks", () => {
    expect(maskChunked(["hunter2"], Buffer.from("pw=hunter2!"), [5, 6, 8]).toString()).toBe("pw=***!");
  });

  it("masks the longer of two secrets that share a prefix even when the longer one completes later", () => {
    expect(maskChunked(["abc", "abcdef"], Buffer.from("xabcdefy"), [4]).toString()).toBe("x***y");
    expect(maskChunked(["abc", "abcdef"], Buffer.from("xabcdy"), [4]).toString()).toBe("x***dy");
  });

  it("holds back only a tail that could still become a secret", () => {
    const m = new SecretMasker(["secret"]);
    expect(m.push(Buffer.from("hello sec")).toString()).toBe("hello ");
    expect(m.heldBytes).toBe(3);
    expect(m.push(Buffer.from("ond")).toString()).toBe("second");
    expect(m.heldBytes).toBe(0);
  });

  it("emits a held tail that never completed at end of stream", () => {
    const m = new SecretMasker(["secret"]);
    expect(m.push(Buffer.from("the secr")).toString()).toBe("the ");
    expect(m.end().toString()).toBe("secr");
  });

  it("masks multi-byte UTF-8 secrets cut inside a character", () => {
    const input = Buffer.from("clé=pässwörd✓ ok");
    const cut = input.indexOf(Buffer.from("ö")) + 1;
    expect(maskChunked(["pässwörd✓"], input, [cut]).toString()).toBe("clé=*** ok");
  });

  it("finds secrets with many different first bytes (the table scan) as well as few (the indexOf scan)", () => {
    const many = "abcdefghijkl".split("").map((c) => `${c}-secret`);
    expect(maskChunked(many, Buffer.from("x k-secret y a-secret z"), [5, 14]).toString()).toBe("x *** y *** z");
    expect(maskChunked(["q-never", "v-here"], Buffer.from("vvv v-here vq"), [6]).toString()).toBe("vvv *** vq");
  });

  it("ignores empty values and passes data through when there are no secrets", () => {
    expect(maskChunked(["", ""], Buffer.from("anything"), [3]).toString()).toBe("anything");
  });

  // Secrets without '*', so a mask can never combine with text into a secret. Up to 12
  // distinct first bytes, so both candidate scans (indexOf for <= 8, table beyond) run.
  const secretArb = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom("a", "b", "c", "é", "✓", "x", "\n", " ", "d", "e", "f", "g", "h") });
  test.prop([
    fc.array(secretArb, { minLength: 1, maxLength: 12 }),
    fc.array(fc.oneof(fc.string({ maxLength: 8, unit: fc.constantFrom("a", "b", "c", "é", "y", "\n") }), fc.nat(3)), { maxLength: 12 }),
    fc.array(fc.nat(200), { maxLength: 10 }),
  ], { numRuns: process.env.SLOW === "1" ? 20_000 : 500 })("gives the same output however the stream is chunked, and no secret survives", (secrets, pieces, cuts) => {
    const text = pieces.map((p) => (typeof p === "number" ? secrets[p % secrets.length] ?? "" : p)).join("");
    const input = Buffer.from(text);
    const out = maskChunked(secrets, input, cuts.map((c) => c % (input.length + 1))).toString();
    expect(out).toBe(maskWhole(secrets, text));
    for (const s of secrets) expect(out.includes(s)).toBe(false);
  }, process.env.SLOW === "1" ? 300_000 : 30_000);
});
