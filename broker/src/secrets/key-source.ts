import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { x25519Recipient, x25519Scalar } from "./x25519-recipient.ts";
import { CodedError, quoteShellWord, type KeySource } from "#protocol";
import { defaultKeyFile } from "../files/paths.ts";

/** Why the broker could not load its key; each maps to a fix-it message and exit code 1. */
export type KeyLoadErrorCode = "key_missing" | "key_insecure" | "key_invalid" | "key_unreadable";

/** A key problem at start-up. The message says what to run; it never holds key material. */
export class KeyLoadError extends CodedError<KeyLoadErrorCode> {
  constructor(code: KeyLoadErrorCode, message: string) {
    super("KeyLoadError", code, message);
  }
}

/** The broker's identity and where it came from. */
export interface LoadedKey {
  /** `AGE-SECRET-KEY-1…`: held in memory only, never logged. */
  identity: string;
  /** The `age1…` recipient, derived on first use: node:crypto is not loaded at start for it. */
  recipient: () => Promise<string>;
  source: KeySource;
  path: string;
  note: string;
}

/** Where to look for the key, in the order docs/architecture.md#the-nodes-key gives. */
export interface KeyLocationInput {
  /** `--identity FILE` from the command line. */
  identityFlag?: string | undefined;
  /** `$CREDENTIALS_DIRECTORY` (systemd LoadCredentialEncrypted=). */
  credentialsDirectory?: string | undefined;
  /** `$REMO_KEY_SOURCE`, set by install.sh's drop-in to how the credential was sealed. */
  declaredSource?: string | undefined;
  stateDir: string;
}

/** A resolved place to read the key from. */
export interface KeyLocation {
  path: string;
  source: KeySource;
  /** True for a file we must refuse when group/world readable (the plaintext tier). */
  checkMode: boolean;
  /** Every place tried, for the "no key" message. */
  tried: string[];
}

/** Picks the key file: --identity, else $CREDENTIALS_DIRECTORY/secrets-key, else <state-dir>/secrets-key. */
export function resolveKeyLocation(input: KeyLocationInput, exists: (p: string) => boolean): KeyLocation {
  if (input.identityFlag !== undefined) {
    return { path: input.identityFlag, source: "plaintext", checkMode: true, tried: [input.identityFlag] };
  }
  const tried: string[] = [];
  if (input.credentialsDirectory !== undefined && input.credentialsDirectory !== "") {
    const p = join(input.credentialsDirectory, "secrets-key");
    tried.push(p);
    if (exists(p)) {
      // systemd decrypted the credential for us; only install.sh knows how it was sealed.
      const source: KeySource = input.declaredSource === "tpm2" || input.declaredSource === "host-key" ? input.declaredSource : "plaintext";
      return { path: p, source, checkMode: false, tried };
    }
  }
  const fallback = defaultKeyFile(input.stateDir);
  tried.push(fallback);
  return { path: fallback, source: "plaintext", checkMode: true, tried };
}

/** What a key source protects against, for `status` and the docs (docs/architecture.md#the-nodes-key). */
export function keySourceNote(source: KeySource): string {
  switch (source) {
    case "tpm2":
      return "The key is sealed to this machine's TPM2: a copied bundle file or disk image cannot be decrypted elsewhere.";
    case "host-key":
      return "The key is sealed with systemd's host key: this protects against a copied bundle file, but not against a stolen disk image (the host key is on the same disk).";
    case "plaintext":
      return "The key is a 0600 file on disk: anyone who can read it as root, or copy the disk, can decrypt the stored bundles. Seal it with systemd-creds (see broker/packaging/install.sh).";
  }
}

/** Returns an error when a key file's mode lets group or others read it, with the chmod that fixes it. */
export function checkKeyFileMode(path: string, mode: number): KeyLoadError | undefined {
  if ((mode & 0o077) === 0) return undefined;
  const shown = (mode & 0o777).toString(8).padStart(4, "0");
  return new KeyLoadError("key_insecure",
    `The key file ${path} has mode ${shown}: group or others can read it, so the broker refuses to use it. Run: chmod 600 ${quoteShellWord(path)}`);
}

/** Extracts the one `AGE-SECRET-KEY-1…` line of an identity file (age-keygen format: comments allowed). */
export function parseIdentityText(text: string, path: string): string {
  const keys = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  const key = keys[0];
  if (keys.length !== 1 || key === undefined || !/^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/.test(key)) {
    return invalid(path);
  }
  return key;
}

function invalid(path: string): never {
  throw new KeyLoadError("key_invalid",
    `The key file ${path} does not hold exactly one X25519 age identity (a line starting with AGE-SECRET-KEY-1). Create a new one with: remo-broker keygen --out ${quoteShellWord(path)}`);
}

/** The key file's descriptor checks: regular, owned by root or the broker's user, and (when asked) no group/world bits. Pure. */
export function checkKeyFileStat(path: string, st: { isFile(): boolean; uid: number; mode: number }, brokerUid: number, checkMode: boolean): KeyLoadError | undefined {
  if (!st.isFile()) return new KeyLoadError("key_insecure", `The key file ${path} is not a regular file; the broker refuses it. Point --identity at the file itself, or create one with: remo-broker keygen --out ${quoteShellWord(path)}`);
  if (st.uid !== 0 && st.uid !== brokerUid) {
    return new KeyLoadError("key_insecure", `The key file ${path} is owned by UID ${st.uid}, neither root nor the broker's user; the broker refuses it. Run: chown root ${quoteShellWord(path)}`);
  }
  return checkMode ? checkKeyFileMode(path, st.mode) : undefined;
}

/**
 * Loads the broker's identity, refusing a missing, loose-mode or malformed key with a message
 * that says what to do. The file is opened without following a symlink and checked on that
 * descriptor, so what is checked is what is read.
 */
export async function loadKey(input: KeyLocationInput, exists: (p: string) => boolean): Promise<LoadedKey> {
  const loc = resolveKeyLocation(input, exists);
  let h: FileHandle;
  try {
    h = await open(loc.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new KeyLoadError("key_missing",
        `No decryption key found (looked in ${loc.tried.join(", ")}). Create one with: remo-broker keygen --out ${quoteShellWord(loc.tried.at(-1) ?? loc.path)} — or pass --identity FILE, or install the systemd unit (broker/packaging/install.sh) which seals it with systemd-creds.`);
    }
    if (code === "ELOOP") {
      throw new KeyLoadError("key_insecure", `The key file ${loc.path} is a symbolic link; the broker refuses it so nobody can swap its key. Point --identity at the file itself.`);
    }
    throw new KeyLoadError("key_unreadable", `Cannot read the key file ${loc.path} (${code ?? "error"}). Run the broker as the key's owner (root).`);
  }
  let text: string;
  try {
    const err = checkKeyFileStat(loc.path, await h.stat(), process.geteuid?.() ?? 0, loc.checkMode);
    if (err) throw err;
    text = await h.readFile("utf8");
  } catch (e) {
    if (e instanceof KeyLoadError) throw e;
    throw new KeyLoadError("key_unreadable", `Cannot read the key file ${loc.path} (${(e as NodeJS.ErrnoException).code ?? "error"}). Run the broker as the key's owner (root).`);
  } finally {
    await h.close();
  }
  const identity = parseIdentityText(text, loc.path);
  return { identity, recipient: await recipientOf(identity, loc.path), source: loc.source, path: loc.path, note: keySourceNote(loc.source) };
}

/**
 * The recipient of a checked identity. An X25519 identity is valid once its bech32 decodes to 32
 * bytes (every scalar is a key), so its recipient waits for the first get-public-key or decrypt;
 * any other kind only the age library knows, so it is loaded and asked now, and a bad one
 * refused at start.
 */
async function recipientOf(identity: string, path: string): Promise<() => Promise<string>> {
  if (x25519Scalar(identity) !== undefined) {
    let derived: Promise<string> | undefined;
    return () => (derived ??= x25519Recipient(identity).then((r) => r ?? invalid(path)));
  }
  let recipient: string;
  try {
    recipient = await (await import("age-encryption")).identityToRecipient(identity);
  } catch {
    return invalid(path);
  }
  return () => Promise.resolve(recipient);
}
