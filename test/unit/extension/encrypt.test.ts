import { Decrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { decodeBundle, encodeBundle } from "#protocol";
import { encryptBundle } from "../../../extension/src/push/encrypt.ts";
import { checkRecipient, RecipientError } from "../../../extension/src/node/recipient.ts";
import { makeSentinel } from "../../helpers/sentinel.ts";

describe("encryptBundle", () => {
  it("produces an age file the recipient's identity decrypts back to the bundle", async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const secret = makeSentinel();
    const plaintext = encodeBundle({ GITHUB_TOKEN: secret });
    const ciphertext = await encryptBundle(plaintext, recipient);
    expect(new TextDecoder().decode(ciphertext.slice(0, 21))).toBe("age-encryption.org/v1");
    expect(Buffer.from(ciphertext).includes(Buffer.from(secret))).toBe(false);
    const d = new Decrypter();
    d.addIdentity(identity);
    expect(decodeBundle(await d.decrypt(ciphertext, "text")).get("GITHUB_TOKEN")).toBe(secret);
  });

  it("refuses ssh and malformed recipients with a message naming the right command", async () => {
    const cases = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG user@host", "age1tooshort", "AGE-SECRET-KEY-1XYZ", ""];
    for (const r of cases) {
      await expect(encryptBundle("A = \"1\"\n", r)).rejects.toBeInstanceOf(RecipientError);
    }
    expect(() => checkRecipient(cases[0]!)).toThrow(/SSH public key, not an age recipient.*remo-broker admin get-public-key/);
    expect(() => checkRecipient(cases[1]!)).toThrow(/not an X25519 recipient/);
    expect(() => checkRecipient(cases[2]!)).toThrow(/should start with age1/);
  });

  it("accepts a recipient with surrounding whitespace", async () => {
    const recipient = await identityToRecipient(await generateX25519Identity());
    expect(checkRecipient(`  ${recipient}\n`)).toBe(recipient);
  });
});
