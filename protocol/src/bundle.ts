import { parse as parseToml, stringify as stringifyToml, TomlError } from "smol-toml";
import { compareCodeUnits } from "./compare.ts";
import { RemoError } from "./errors.ts";
import { secretNamePattern, secretNameRule } from "./manifest/names.ts";

const nameLength = `${secretNameRule.minLength}–${secretNameRule.maxLength}`;

/** A decrypted bundle: secret name → value. */
export type Bundle = ReadonlyMap<string, string>;

/** The most secrets one bundle may hold. */
export const maxBundleEntries = 4096;

/**
 * Encodes a bundle as the TOML table of `NAME = "value"` strings (docs/architecture.md#bundle).
 * @throws RemoError `invalid_payload` when a name does not match the secret-name pattern
 */
export function encodeBundle(secrets: Bundle | Record<string, string>): string {
  const entries = isBundle(secrets) ? [...secrets.entries()] : Object.entries(secrets);
  const table: Record<string, string> = {};
  for (const [name, value] of entries.sort(([a], [b]) => compareCodeUnits(a, b))) {
    if (!secretNamePattern.test(name)) throw new RemoError("invalid_payload", `Secret name "${safeName(name)}" is not valid: use ${nameLength} of A–Z, a–z, 0–9 and '_'.`);
    table[name] = value;
  }
  return stringifyToml(table) + (entries.length > 0 ? "\n" : "");
}

/**
 * Decodes bundle plaintext. Errors never quote the text: it is full of secrets.
 * @throws RemoError `invalid_payload` when the text is not a flat TOML table of valid names to strings
 */
export function decodeBundle(text: string): Bundle {
  let value: Record<string, unknown>;
  try {
    value = parseToml(text);
  } catch (e) {
    // smol-toml's message quotes the offending source line, which may hold a value: keep only its position.
    const where = e instanceof TomlError ? ` (line ${e.line})` : "";
    throw new RemoError("invalid_payload", `The bundle is not valid TOML${where}. Rebuild it from the laptop with "Remo: Push Secrets".`);
  }
  const out = new Map<string, string>();
  for (const [name, v] of Object.entries(value)) {
    if (!secretNamePattern.test(name)) throw new RemoError("invalid_payload", `The bundle holds an invalid secret name "${safeName(name)}": names are ${nameLength} of A–Z, a–z, 0–9 and '_'.`);
    if (typeof v !== "string") throw new RemoError("invalid_payload", `The bundle entry "${name}" must be a string.`);
    out.set(name, v);
  }
  if (out.size > maxBundleEntries) throw new RemoError("invalid_payload", `The bundle holds ${out.size} secrets; at most ${maxBundleEntries} are allowed.`);
  return out;
}

function isBundle(x: Bundle | Record<string, string>): x is Bundle {
  return x instanceof Map;
}

function safeName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40).replace(/[^\x20-\x7e]/g, "?")}…` : name.replace(/[^\x20-\x7e]/g, "?");
}
