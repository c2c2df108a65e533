import type { Span } from "./positions.ts";
import { pathKey, scanToml } from "./scanner.ts";

export { pathKey };

/** A path into the document: table keys and array item indexes (the shape of ManifestPath). */
export type KeyPath = readonly (string | number)[];

/** Where one key, table or array item sits in the text. */
export interface KeyEntry {
  path: KeyPath;
  kind: "table" | "implicit-table" | "value" | "item";
  /** The key as written: the last segment of a dotted key, or a header's key. */
  keySpan?: Span;
  /** The value after `=`, an array item, or (for tables) the header. */
  valueSpan?: Span;
  /** `[table]` or `[[table]]` including the brackets. */
  headerSpan?: Span;
  /** From the first key character (or header) to the end of the value (or the table's last line). */
  fullSpan: Span;
  /** For array values: each item's span, in order. */
  items?: Span[];
  /** For array values: each item's entry (items are looked up through their array, not the map). */
  itemEntries?: KeyEntry[];
  /** For string values and items: the decoded string, when it is a simple one-line string. */
  stringValue?: string;
}

/** One statement the scanner saw at the top level: a header or a key/value, possibly broken. */
export interface Statement {
  span: Span;
  kind: "header" | "key-value" | "junk";
}

/** What the scanner learned about a document's layout. smol-toml gives values but no positions. */
export interface TomlKeyIndex {
  /** Entries by {@link pathKey}, except array items (see {@link entryAt}). */
  entries: Map<string, KeyEntry>;
  /** Entries in document order (headers, keys, items). */
  ordered: KeyEntry[];
  /** Top-level statements in order, including ones the scanner could not finish. */
  statements: Statement[];
  /** Multi-line strings: their content must survive formatting byte for byte. */
  multilineStrings: Span[];
  /** Offsets of comments (`#` to end of line). */
  comments: Span[];
  /** Problems the scanner met (it keeps going after each). */
  problems: { span: Span; reason: "unclosed-array" | "unclosed-inline-table" | "unclosed-string" | "bad-key" | "missing-equals" | "missing-value" | "bad-header" }[];
}

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
