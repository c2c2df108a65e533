// The shapes of the position map, shared by the scanner that builds it and key-index.ts that reads it.
import type { Span } from "./positions.ts";

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

/** The map key of a path: unambiguous for keys containing dots or quotes. */
export function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}
