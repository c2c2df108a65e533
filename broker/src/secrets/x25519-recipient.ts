import { nodeCrypto } from "../node-crypto.ts";

const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if (((top >>> i) & 1) === 1) chk ^= generator[i] ?? 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >>> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

function regroup(data: readonly number[], from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (const v of data) {
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & max);
    }
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & max);
  else if (!pad && (bits >= from || ((acc << (to - bits)) & max) !== 0)) return undefined;
  return out;
}

/** Bech32 (BIP 173, no length limit, as age uses it): `hrp` + "1" + data + checksum, lower case. Pure. */
export function encodeBech32(hrp: string, bytes: Uint8Array): string {
  const words = regroup([...bytes], 8, 5, true) ?? [];
  const mod = polymod([...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return hrp + "1" + [...words, ...checksum].map((w) => charset[w]).join("");
}

/** Decodes bech32 with its checksum verified; undefined for anything malformed. Pure. */
export function decodeBech32(s: string): { hrp: string; bytes: Uint8Array } | undefined {
  if (s !== s.toLowerCase() && s !== s.toUpperCase()) return undefined;
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf("1");
  if (sep < 1 || lower.length - sep - 1 < 6) return undefined;
  const hrp = lower.slice(0, sep);
  const words: number[] = [];
  for (const c of lower.slice(sep + 1)) {
    const v = charset.indexOf(c);
    if (v === -1) return undefined;
    words.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...words]) !== 1) return undefined;
  const bytes = regroup(words.slice(0, -6), 5, 8, false);
  return bytes === undefined ? undefined : { hrp, bytes: Uint8Array.from(bytes) };
}

// PKCS#8 prefix of an X25519 private key (RFC 8410): the raw 32-byte scalar follows.
const pkcs8Prefix = Buffer.from("302e020100300506032b656e04220420", "hex");

/**
 * The `age1…` recipient of an X25519 `AGE-SECRET-KEY-1…` identity, computed with Node's own
 * X25519 (OpenSSL), so the broker does not load the age library for it. node:crypto itself loads
 * on the first call: the broker needs it only to answer get-public-key and to decrypt.
 * @returns undefined when `identity` is not a well-formed X25519 age identity
 */
export async function x25519Recipient(identity: string): Promise<string | undefined> {
  const decoded = decodeBech32(identity);
  if (decoded?.hrp !== "age-secret-key-" || decoded.bytes.length !== 32) return undefined;
  const { createPrivateKey, createPublicKey } = await nodeCrypto();
  try {
    const priv = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, decoded.bytes]), format: "der", type: "pkcs8" });
    const spki = createPublicKey(priv).export({ format: "der", type: "spki" });
    return encodeBech32("age", spki.subarray(spki.length - 32));
  } catch {
    return undefined;
  }
}

/** The 32-byte X25519 scalar of an identity, for importing it as a native key; undefined when malformed. Pure. */
export function x25519Scalar(identity: string): Uint8Array | undefined {
  const decoded = decodeBech32(identity);
  return decoded?.hrp === "age-secret-key-" && decoded.bytes.length === 32 ? decoded.bytes : undefined;
}

/** The PKCS#8 DER of an X25519 scalar (what webcrypto's importKey takes). Pure. */
export function x25519Pkcs8(scalar: Uint8Array): Buffer {
  return Buffer.concat([pkcs8Prefix, scalar]);
}
