import { armor, generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { isRemoError } from "#protocol";
import { decryptBundle, dearmor, encryptTo, prepareDecryptionKey } from "../../../broker/src/secrets/bundle-crypto.ts";

describe("decryptBundle", () => {
  it("decrypts binary and armored age to a bundle", async () => {
    const id = await generateX25519Identity();
    const r = await identityToRecipient(id);
    for (const armored of [false, true]) {
      const b = await decryptBundle(await encryptTo(r, "A = \"1\"\nB = \"two\"\n", armored), id);
      expect([...b].map(([k, v]) => [k, v.toString()])).toEqual([["A", "1"], ["B", "two"]]);
      expect(Buffer.isBuffer(b.get("A"))).toBe(true);
    }
  });

  it("fails with decrypt_failed for another key and invalid_payload for a bad bundle, never quoting it", async () => {
    const id = await generateX25519Identity();
    const other = await identityToRecipient(await generateX25519Identity());
    const e1 = await decryptBundle(await encryptTo(other, "A = \"1\"\n"), id).catch((e: unknown) => e);
    expect(isRemoError(e1, "decrypt_failed")).toBe(true);
    const e2 = await decryptBundle(await encryptTo(await identityToRecipient(id), "A = \"hush-hush\n"), id).catch((e: unknown) => e);
    expect(isRemoError(e2, "invalid_payload")).toBe(true);
    expect((e2 as Error).message).not.toContain("hush-hush");
  });

  it("fails with decrypt_failed when the payload after a good header is damaged or cut short", async () => {
    // The header checks out; the failure comes from the payload stream as it is read.
    const id = await generateX25519Identity();
    const good = await encryptTo(await identityToRecipient(id), `A = "${"v".repeat(70_000)}"\n`);
    const flipped = Uint8Array.from(good);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 1;
    for (const bad of [flipped, good.subarray(0, good.length - 100)]) {
      const e = await decryptBundle(bad, id).catch((x: unknown) => x);
      expect(isRemoError(e, "decrypt_failed")).toBe(true);
    }
  });
});

describe("dearmor", () => {
  it("passes binary through and refuses non-age bytes or broken armor", async () => {
    const r = await identityToRecipient(await generateX25519Identity());
    const bin = await encryptTo(r, "A = \"1\"\n");
    expect(dearmor(bin)).toBe(bin);
    expect(dearmor(Buffer.from(`\n  ${armor.encode(bin)}`))).toEqual(bin);
    expect(() => dearmor(Buffer.from("hello"))).toThrow(/not an age file/);
    expect(() => dearmor(Buffer.from("-----BEGIN AGE ENCRYPTED FILE-----\n!!!\n-----END AGE ENCRYPTED FILE-----\n"))).toThrow(/armored age file is malformed/);
  });
});

describe("prepareDecryptionKey", () => {
  it("turns an identity into a native X25519 CryptoKey that decrypts what was encrypted to its recipient", async () => {
    const id = await generateX25519Identity();
    const r = await identityToRecipient(id);
    const key = await prepareDecryptionKey(id, r);
    expect(typeof key).not.toBe("string");
    expect([...(await decryptBundle(await encryptTo(r, "A = \"native\"\n"), key))].map(([k, v]) => [k, v.toString()])).toEqual([["A", "native"]]);
  });

  it("falls back to the string identity when the recipient does not match", async () => {
    const id = await generateX25519Identity();
    const other = await identityToRecipient(await generateX25519Identity());
    expect(await prepareDecryptionKey(id, other)).toBe(id);
  });
});
