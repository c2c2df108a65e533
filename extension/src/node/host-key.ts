// Host key fingerprints exactly as OpenSSH prints them, and the pin comparison.
import { createHash } from "node:crypto";

/** `SHA256:<base64 without padding>` of a host key blob, as `ssh-keygen -lf` and `ssh` print it. */
export function fingerprintSha256(keyBlob: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The blob of an OpenSSH public key line (`ssh-ed25519 AAAA… comment`), or undefined when it is not one. */
export function publicKeyBlob(line: string): Uint8Array | undefined {
  const m = /^(?:\S+\s+)?((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(line.trim());
  return m?.[2] === undefined ? undefined : Buffer.from(m[2], "base64");
}

/** True when two fingerprints name the same key (the `SHA256:` prefix and padding may differ in how users paste them). */
export function sameFingerprint(a: string, b: string): boolean {
  const norm = (s: string): string => s.trim().replace(/^SHA256:/i, "").replace(/=+$/, "");
  return norm(a) === norm(b) && norm(a) !== "";
}
