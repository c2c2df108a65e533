import { armor, Decrypter, Encrypter } from "age-encryption";
import { decodeBundle, RemoError, type Bundle } from "#protocol";

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

/**
 * Decrypts an age ciphertext (binary or armored) and decodes the bundle in memory.
 * Errors never quote the plaintext.
 * @throws RemoError `decrypt_failed` when the file is not for this broker's key, `invalid_payload` when it is not a valid bundle
 */
export async function decryptBundle(ciphertext: Uint8Array, identity: string): Promise<Bundle> {
  const binary = dearmor(ciphertext);
  const d = new Decrypter();
  d.addIdentity(identity);
  let plaintext: string;
  try {
    plaintext = await d.decrypt(binary, "text");
  } catch {
    throw new RemoError("decrypt_failed",
      "The bundle cannot be decrypted with this broker's key: it was encrypted to another recipient or is damaged. Fetch the node's recipient with `remo-broker admin get-public-key`, re-pin it on the laptop, and push again.");
  }
  return decodeBundle(plaintext);
}

/** Encrypts text to one recipient (used by tests, the demo and the bench through the same code path). */
export async function encryptTo(recipient: string, plaintext: string, armored = false): Promise<Uint8Array> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  const out = await e.encrypt(plaintext);
  return armored ? Buffer.from(armor.encode(out), "latin1") : out;
}
