// age encryption of a bundle to the node's recipient, in process (no `age` binary, nothing in argv).
import { checkRecipient } from "../node/recipient.ts";

/**
 * Encrypts bundle plaintext (the TOML table) to one X25519 recipient as a binary age file.
 * @throws RecipientError for ssh-* or otherwise unusable recipients
 */
export async function encryptBundle(plaintextToml: string, recipient: string): Promise<Uint8Array> {
  const r = checkRecipient(recipient);
  // Loaded on demand: even inside the push bundle, age is evaluated only when a push encrypts.
  const { Encrypter } = await import("age-encryption");
  const e = new Encrypter();
  e.addRecipient(r);
  return e.encrypt(plaintextToml);
}
