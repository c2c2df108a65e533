import { scanToml } from "./scanner.ts";
import { pathKey, type KeyEntry, type KeyPath, type TomlKeyIndex } from "./key-types.ts";

export { pathKey };
export type { KeyEntry, KeyPath, Statement, TomlKeyIndex } from "./key-types.ts";

/**
 * Builds the position map of a TOML text with a small tolerant scanner. It follows the
 * TOML grammar for keys, strings, arrays and inline tables, records every key, value and
 * array item it meets, and on a broken statement notes the problem and resumes at the next
 * line, so half-typed files still get a map.
 */
export function buildKeyIndex(text: string): TomlKeyIndex {
  return scanToml(text);
}

/** The entry at `path`, if the scanner saw one (array items through their array). */
export function entryAt(index: TomlKeyIndex, path: KeyPath): KeyEntry | undefined {
  const last = path[path.length - 1];
  if (typeof last === "number") return entryAt(index, path.slice(0, -1))?.itemEntries?.[last];
  return index.entries.get(pathKey(path));
}
