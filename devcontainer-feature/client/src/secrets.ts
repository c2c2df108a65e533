import { secretNamePattern } from "#protocol/names";
import { callBroker, requireAll, type CallOptions, type PingInfo } from "./broker-calls.ts";
import type { ClientError } from "./client-error.ts";
import { clientError } from "./exit-codes.ts";
import type { RawReply } from "./socket-client.ts";

/** One fetched secret. `text` is absent when the value is not valid UTF-8. */
export interface SecretValue {
  name: string;
  bytes: Buffer;
  text: string | undefined;
}

/** Decodes a successful `get` reply (`value` or `value_b64`). */
export function decodeValue(name: string, reply: RawReply): SecretValue {
  if (typeof reply.value === "string") return { name, bytes: Buffer.from(reply.value, "utf8"), text: reply.value };
  if (typeof reply.value_b64 === "string") return { name, bytes: Buffer.from(reply.value_b64, "base64"), text: undefined };
  throw clientError("protocol_mismatch", { detail: "a get reply without a value" });
}

/** Throws a usage error unless every name matches the secret-name pattern. */
export function checkNames(names: readonly string[]): void {
  const bad = names.find((n) => !secretNamePattern.test(n));
  if (bad !== undefined) {
    throw clientError("usage", { detail: `"${bad.slice(0, 40)}" is not a secret name (letters, digits and _ only, at most 128)` });
  }
}

/** What {@link fetchSecrets} found. */
export interface FetchResult {
  ping: PingInfo;
  /** The names asked for: the explicit list, or the whole allowlist. */
  asked: string[];
  values: SecretValue[];
  /** Names that could not be fetched, each with why. */
  missing: { name: string; error: ClientError }[];
}

/**
 * Fetches secrets by name, or the whole allowlist when `names` is empty. With
 * explicit names every failure is an error (a script asked for exactly these),
 * unless `lenient`; for the whole allowlist, secrets not pushed yet are reported, not fatal.
 */
export async function fetchSecrets(call: CallOptions, names: readonly string[], lenient = false): Promise<FetchResult> {
  checkNames(names);
  let asked = [...names];
  if (asked.length === 0) {
    const [info] = requireAll((await callBroker(call, [{ op: "info" }])).outcomes);
    asked = Array.isArray(info?.allowlist) ? info.allowlist.filter((n): n is string => typeof n === "string") : [];
  }
  const { ping, outcomes } = await callBroker(call, asked.map((name) => ({ op: "get", name })));
  const values: SecretValue[] = [];
  const missing: FetchResult["missing"] = [];
  for (const [i, outcome] of outcomes.entries()) {
    const name = asked[i] ?? "";
    if (outcome.ok) values.push(decodeValue(name, outcome.reply));
    else if (names.length > 0 && !lenient) throw outcome.error;
    else missing.push({ name, error: outcome.error });
  }
  return { ping, asked, values, missing };
}
