// The broker's age recipient, as the laptop pins it and checks what a node reports. Pure: the
// crypto that encrypts to it (age-encryption) loads only with the push bundle.
import { CodedError } from "#protocol";

/** Why a recipient cannot be used. */
export class RecipientError extends CodedError<"bad_recipient"> {
  constructor(message: string) {
    super("RecipientError", "bad_recipient", message);
  }
}

/** An X25519 age recipient: `age1` + 58 bech32 characters. */
export const x25519RecipientPattern = /^age1[02-9ac-hj-np-z]{58}$/;

/**
 * Checks that a recipient is an X25519 age recipient, as the broker's key is.
 * @throws RecipientError with a message that says what to use instead
 */
export function checkRecipient(recipient: string): string {
  const r = recipient.trim();
  if (x25519RecipientPattern.test(r)) return r;
  if (/^(ssh-|ecdsa-|sk-ssh-)/.test(r)) {
    throw new RecipientError("This is an SSH public key, not an age recipient. Remo encrypts to the broker's X25519 key: use the age1… recipient that `remo-broker admin get-public-key` prints on the node.");
  }
  if (r.startsWith("age1")) {
    throw new RecipientError("This age recipient is not an X25519 recipient (age1 followed by 58 characters). Use the recipient that `remo-broker admin get-public-key` prints on the node.");
  }
  throw new RecipientError("This is not an age recipient (it should start with age1). Use the recipient that `remo-broker admin get-public-key` prints on the node.");
}
