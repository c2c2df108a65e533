import { armor, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { dearmor } from "../../../broker/src/secrets/bundle-crypto.ts";
import { decodeBech32, encodeBech32, x25519Recipient, x25519Scalar } from "../../../broker/src/secrets/x25519-recipient.ts";

describe("x25519Recipient", () => {
  it("gives the same age1… recipient as age-encryption for 50 fresh identities", async () => {
    for (let i = 0; i < 50; i++) {
      const id = await generateX25519Identity();
      expect(await x25519Recipient(id)).toBe(await identityToRecipient(id));
    }
  });

  it("refuses an identity with a bad checksum, another prefix, or mixed case", async () => {
    const id = await generateX25519Identity();
    const flipped = id.slice(0, -1) + (id.endsWith("Q") ? "P" : "Q");
    expect(await x25519Recipient(flipped)).toBeUndefined();
    expect(await x25519Recipient(id.replace("AGE-SECRET-KEY-1", "AGE-SECRET-KEY-PQ-1"))).toBeUndefined();
    expect(await x25519Recipient(id.slice(0, 20) + id.slice(20).toLowerCase())).toBeUndefined();
    expect(await x25519Recipient("")).toBeUndefined();
  });
});

describe("x25519Scalar", () => {
  it("reads the 32-byte scalar of a well-formed identity only", async () => {
    const id = await generateX25519Identity();
    expect(x25519Scalar(id)).toHaveLength(32);
    expect(x25519Scalar("AGE-SECRET-KEY-1NOTBECH32!")).toBeUndefined();
    expect(x25519Scalar(id.slice(0, -1) + (id.endsWith("Q") ? "P" : "Q"))).toBeUndefined();
  });
});

describe("bech32", () => {
  it("round-trips bytes and rejects any single changed character", () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const s = encodeBech32("age", bytes);
    expect(decodeBech32(s)).toEqual({ hrp: "age", bytes });
    for (let i = 4; i < s.length; i++) {
      const c = s[i] === "q" ? "p" : "q";
      expect(decodeBech32(s.slice(0, i) + c + s.slice(i + 1)), `changed at ${i}`).toBeUndefined();
    }
  });
});

describe("dearmor without the age library", () => {
  it("decodes what age-encryption armors, and refuses what age-encryption's armor.decode refuses", async () => {
    const e = new Encrypter();
    e.addRecipient(await identityToRecipient(await generateX25519Identity()));
    for (const size of [0, 1, 47, 48, 49, 500]) {
      const bin = await e.encrypt(new Uint8Array(size));
      const text = armor.encode(bin);
      expect(dearmor(Buffer.from(text, "latin1"))).toEqual(bin);
      expect(dearmor(Buffer.from(text.replaceAll("\n", "\r\n"), "latin1"))).toEqual(bin);
      const bad = [
        text.replace(/\n[A-Za-z0-9+/]{64}\n/, (m) => m.slice(0, 10) + m.slice(11)),
        text.replace("-----END AGE ENCRYPTED FILE-----", "-----END AGE FILE-----"),
        text.replace(/[A-Za-z0-9]\n-----END/, "*\n-----END"),
      ].filter((b) => b !== text);
      for (const b of bad) {
        expect(() => armor.decode(b)).toThrow();
        expect(() => dearmor(Buffer.from(b, "latin1"))).toThrow(/armored age file is malformed/);
      }
    }
  });
});
