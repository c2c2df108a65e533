import type { webcrypto } from "node:crypto";
import type * as AgeModuleNs from "age-encryption";
import { decodeBundle, RemoError } from "#protocol";
import type { SecretValues } from "./secret-store.ts";
import { x25519Pkcs8, x25519Recipient, x25519Scalar } from "./x25519-recipient.ts";
import { nodeCrypto } from "../node-crypto.ts";

type AgeModule = typeof AgeModuleNs;
let age: Promise<AgeModule> | undefined;

/**
 * The age library, evaluated on first use: it is ~13 MiB of the broker's idle RSS (its curve
 * tables), and only a push or a stored bundle at start needs it. esbuild keeps it in the one
 * bundle file, wrapped so it runs when this is first called.
 */
function loadAge(): Promise<AgeModule> {
  age ??= import("age-encryption");
  return age;
}

const armorHeader = "-----BEGIN AGE ENCRYPTED FILE-----";
const armorFooter = "-----END AGE ENCRYPTED FILE-----";
const binaryHeader = "age-encryption.org/v1\n";

/** Turns armored age into binary; binary passes through. Pure. @throws RemoError invalid_payload */
export function dearmor(ciphertext: Uint8Array): Uint8Array {
  const head = Buffer.from(ciphertext.subarray(0, 64)).toString("latin1").trimStart();
  if (head.startsWith(armorHeader)) {
    const binary = decodeArmor(Buffer.from(ciphertext).toString("latin1"));
    if (binary === undefined) {
      throw new RemoError("invalid_payload", "The armored age file is malformed. Re-encrypt the bundle (age -a -r <recipient>) and push again.");
    }
    return binary;
  }
  if (!head.startsWith(binaryHeader)) {
    throw new RemoError("invalid_payload", "The payload is not an age file (binary or armored). Encrypt the bundle with age to the broker's recipient (remo-broker admin get-public-key) and push again.");
  }
  return ciphertext;
}

/**
 * age's ASCII armor, parsed as strictly as age-encryption's own `armor.decode` (header, 64-column
 * base64 lines, a shorter last line, footer; CRLF or LF; whitespace around it ignored), so a
 * malformed file is refused without loading the library. Pure; undefined when malformed.
 */
function decodeArmor(text: string): Uint8Array | undefined {
  const lines = text.trim().replaceAll("\r\n", "\n").split("\n");
  if (lines.shift() !== armorHeader || lines.pop() !== armorFooter || lines.length === 0) return undefined;
  const last = lines.length - 1;
  const shaped = lines.every((l, i) => (i === last ? l.length > 0 && l.length <= 64 && l.length % 4 === 0 : l.length === 64) && /^[A-Za-z0-9+/]+={0,2}$/.test(l));
  if (!shaped) return undefined;
  const body = lines.join("");
  const bytes = Buffer.from(body, "base64");
  // Node's base64 decoder is lenient (padding inside, stray bits): accept only the canonical form.
  return bytes.toString("base64") === body ? new Uint8Array(bytes) : undefined;
}

/** An identity as age-encryption takes it: the `AGE-SECRET-KEY-1…` string, or a native X25519 CryptoKey. */
export type DecryptionKey = string | webcrypto.CryptoKey;

/**
 * Turns the identity into a native X25519 CryptoKey, so each decrypt does its key
 * agreement in OpenSSL instead of JavaScript (about 1 ms less per push on this machine).
 * Checked by deriving its recipient with Node's X25519 (no age library for it); falls back
 * to the string if anything differs. The broker calls this on its first decrypt, not at start.
 */
export async function prepareDecryptionKey(identity: string, recipient: string): Promise<DecryptionKey> {
  const scalar = x25519Scalar(identity);
  if (scalar === undefined || (await x25519Recipient(identity)) !== recipient) return identity;
  try {
    const { webcrypto } = await nodeCrypto();
    return await webcrypto.subtle.importKey("pkcs8", x25519Pkcs8(scalar), { name: "X25519" }, false, ["deriveBits"]);
  } catch {
    return identity;
  }
}

/** One chunk as a web ReadableStream, which makes age-encryption's `decrypt` hand back a stream too. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
}

/**
 * Reads a stream to its end into one buffer, zeroing the chunks. Given bytes, `decrypt` reads its
 * output with `new Response(stream)`, which loads Node's fetch implementation (undici) for good:
 * 4-6 MiB of the broker's RSS after its first push, for a copy.
 */
async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  } finally {
    for (const c of chunks) c.fill(0);
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
  const { Decrypter } = await loadAge();
  const d = new Decrypter();
  d.addIdentity(identity);
  let plaintext: Uint8Array;
  try {
    plaintext = await readStream(await d.decrypt(streamOf(binary)));
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
  const { armor, Encrypter } = await loadAge();
  const e = new Encrypter();
  e.addRecipient(recipient);
  const out = await e.encrypt(plaintext);
  return armored ? Buffer.from(armor.encode(out), "latin1") : out;
}
