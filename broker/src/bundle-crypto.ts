import { webcrypto } from "node:crypto";
import { armor, Decrypter, Encrypter } from "age-encryption";
import { decodeBundle, RemoError } from "#protocol";
import type { SecretValues } from "./secret-store.ts";

const armorHeader = "-----BEGIN AGE ENCRYPTED FILE-----";
const binaryHeader = "age-encryption.org/v1\n";

/** Turns armored age into binary; binary passes through. Pure. @throws RemoError invalid_payload */
export function dearmor(ciphertext: Uint8Array): Uint8Array {
  const head = Buffer.from(ciphertext.subarray(0, 64)).toString("latin1").trimStart();
  if (head.startsWith(armorHeader)) {
    try {
      return armor.decode(Buffer.from(ciphertext).toString("latin1"));
    } catch {
      throw new RemoError("invalid_payload", "The armored age file is malformed. Re-encrypt the bundle (age -a -r <recipient>) and push again.");
    }
  }
  if (!head.startsWith(binaryHeader)) {
    throw new RemoError("invalid_payload", "The payload is not an age file (binary or armored). Encrypt the bundle with age to the broker's recipient (remo-broker admin get-public-key) and push again.");
  }
  return ciphertext;
}

/** An identity as age-encryption takes it: the `AGE-SECRET-KEY-1…` string, or a native X25519 CryptoKey. */
export type DecryptionKey = string | webcrypto.CryptoKey;

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/** The 32 bytes inside a bech32 string (checksum not verified: callers validated the string already). Pure. */
export function bech32Payload(s: string): Uint8Array | undefined {
  const lower = s.toLowerCase();
  const data = lower.slice(lower.lastIndexOf("1") + 1, -6);
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const ch of data) {
    const v = bech32Charset.indexOf(ch);
    if (v === -1) return undefined;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return out.length === 32 ? Uint8Array.from(out) : undefined;
}

// PKCS#8 prefix of an X25519 private key (RFC 8410): the raw 32-byte scalar follows.
const x25519Pkcs8Prefix = Buffer.from("302e020100300506032b656e04220420", "hex");

/**
 * Turns the identity into a native X25519 CryptoKey, so each decrypt does its key
 * agreement in OpenSSL instead of JavaScript (about 1 ms less per push on this machine).
 * Checked by a round trip to `recipient`; falls back to the string if anything differs.
 */
export async function prepareDecryptionKey(identity: string, recipient: string): Promise<DecryptionKey> {
  const scalar = bech32Payload(identity);
  if (scalar === undefined) return identity;
  try {
    const key = await webcrypto.subtle.importKey("pkcs8", Buffer.concat([x25519Pkcs8Prefix, scalar]), { name: "X25519" }, false, ["deriveBits"]);
    const probe = await encryptTo(recipient, "probe");
    const d = new Decrypter();
    d.addIdentity(key);
    return (await d.decrypt(probe, "text")) === "probe" ? key : identity;
  } catch {
    return identity;
  }
}

/**
 * Decrypts an age ciphertext (binary or armored) and decodes the bundle in memory into
 * Buffers (zero-filled by the store when dropped). The plaintext bytes are zeroed here; the
 * TOML parser needs the text as a JS string, and those strings (and the ones a `get` reply is
 * built from) cannot be zeroed: they live until the garbage collector reuses their memory.
 * Errors never quote the plaintext.
 * @throws RemoError `decrypt_failed` when the file is not for this broker's key, `invalid_payload` when it is not a valid bundle
 */
export async function decryptBundle(ciphertext: Uint8Array, identity: DecryptionKey): Promise<SecretValues> {
  const binary = dearmor(ciphertext);
  const d = new Decrypter();
  d.addIdentity(identity);
  let plaintext: Uint8Array;
  try {
    plaintext = await d.decrypt(binary);
  } catch {
    throw new RemoError("decrypt_failed",
      "The bundle cannot be decrypted with this broker's key: it was encrypted to another recipient or is damaged. Fetch the node's recipient with `remo-broker admin get-public-key`, re-pin it on the laptop, and push again.");
  }
  try {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
    } catch {
      throw new RemoError("invalid_payload", "The bundle is not UTF-8 text. Rebuild it from the laptop with \"Remo: Push Secrets\".");
    }
    const out = new Map<string, Buffer>();
    for (const [name, value] of decodeBundle(text)) out.set(name, Buffer.from(value, "utf8"));
    return out;
  } finally {
    plaintext.fill(0);
  }
}

/** Encrypts text to one recipient (used by tests, the demo and the bench through the same code path). */
export async function encryptTo(recipient: string, plaintext: string, armored = false): Promise<Uint8Array> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  const out = await e.encrypt(plaintext);
  return armored ? Buffer.from(armor.encode(out), "latin1") : out;
}
