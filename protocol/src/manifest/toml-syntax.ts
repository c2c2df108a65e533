// Reading TOML text, and smol-toml's errors in words that say what to do.
import { parse, TomlError } from "smol-toml";
import { DiagnosticCode } from "../diagnostics.ts";
import type { ManifestIssue, ManifestPath } from "./model.ts";

/**
 * Parses TOML text. Integers beyond 2^53 come back as bigint, so every 64-bit integer TOML
 * allows parses; {@link integerOverflowIssues} reports the ones beyond 64 bits. Throws smol-toml's
 * TomlError on a syntax error.
 */
export function parseTomlText(text: string): Record<string, unknown> {
  return parse(text, { integersAsBigInt: "asNeeded" });
}

/**
 * smol-toml's reasons (the first line of its message, without "Invalid TOML document: " and the
 * final period) in words that say what to do. A unit test feeds smol-toml an input for each and
 * checks the reason still occurs, so a parser upgrade that rewords one fails there.
 */
export const tomlReasons = {
  "control characters are not allowed in strings": "this string is not closed before the end of the line. Close it with a matching quote",
  "unfinished string": "this string is not closed. Close it with a matching quote",
  "unfinished array": "this array is not closed. Add ']' after its last item",
  "expected comma or end of structure": "expected ',' or a closing bracket here. Separate items with ',' and close the array with ']' (or the inline table with '}')",
  "unfinished table": "this inline table is not closed. Add '}'",
  "incomplete key-value: cannot find end of key": "this line has a key but no value. Write key = value",
  "each key-value declaration must be followed by an end-of-line": "only one key = value may stand on a line. Move the rest to a new line or put it in a comment",
  "trying to redefine an already defined table or value": "this key or table is already defined above. Remove one of the two definitions",
  "trying to redefine an already defined value": "this key or table is already defined above. Remove one of the two definitions",
  "invalid value": "this is not a valid TOML value. Quote strings (\"…\"), and write numbers, true/false, arrays […] or tables {…}",
  "illegal character in key": "this key contains a character keys may not hold. Use A–Z, a–z, 0–9, '_' and '-', or quote the key",
  "illegal empty bare key": "a key is missing here. Write key = value",
  "unexpected end of key": "the key ends unexpectedly. Complete the key",
  "expected end of table array declaration": "this [[table]] header is not closed. Add ']]'",
  "unrecognised escape sequence": "this escape sequence is not valid TOML. Use \\\\ for a backslash",
  "illegal leading zero": "numbers may not start with 0. Remove the leading zero",
  "illegal underscore": "an underscore in a number must sit between two digits. Remove it",
  "unfinished numeric value": "this number is incomplete. Complete it",
  "control characters are not allowed in comments": "this comment contains a control character. Remove it",
} as const satisfies Record<string, string>;

/** A smol-toml reason the humanizer (and the language server's ranges) rely on. */
export type TomlReason = keyof typeof tomlReasons;

/** Whether smol-toml's error `e` gives one of `reasons`. */
export function isTomlReason(e: unknown, ...reasons: TomlReason[]): boolean {
  return (reasons as string[]).includes(tomlErrorReason(e));
}

/** The reason smol-toml gave, as {@link tomlReasons} keys it; "" when `e` is not an Error. */
export function tomlErrorReason(e: unknown): string {
  const first = e instanceof Error ? (e.message.split("\n")[0] ?? "") : "";
  return first.replace(/^Invalid TOML document:\s*/i, "").replace(/\.$/, "");
}

/**
 * Turns smol-toml's error into a short sentence that says what to do. It never quotes the
 * source (smol-toml's message carries a code excerpt, which could hold a pasted value).
 */
export function humanizeTomlError(e: unknown): string {
  const raw = tomlErrorReason(e);
  const mapped = Object.hasOwn(tomlReasons, raw) ? tomlReasons[raw as TomlReason] : undefined;
  const reason = mapped ?? (raw === "" ? "the file is not valid TOML. Fix the syntax" : `${raw}. Fix the syntax here`);
  return `TOML syntax error: ${reason}.`;
}

/** Turns smol-toml's error into a located issue, without its source excerpt. */
export function tomlSyntaxIssue(e: unknown): ManifestIssue {
  const position = e instanceof TomlError ? { line: Math.max(0, e.line - 1), column: Math.max(0, e.column - 1) } : { line: 0, column: 0 };
  return { code: DiagnosticCode.tomlSyntax, message: humanizeTomlError(e), severity: "error", path: [], target: "value", position };
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/**
 * Every integer beyond the 64 bits TOML allows, as an error on its value: smol-toml, asked for
 * bigints, parses any length and so never reports "cannot be represented losslessly" itself.
 */
export function integerOverflowIssues(value: unknown): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  const visit = (node: unknown, path: ManifestPath): void => {
    if (typeof node === "bigint") {
      if (node < int64Min || node > int64Max) {
        out.push({ code: DiagnosticCode.tomlSyntax, severity: "error", path, target: "value", message: "TOML syntax error: this integer is too large. Use a smaller number." });
      }
    } else if (Array.isArray(node)) {
      node.forEach((item: unknown, i) => { visit(item, [...path, i]); });
    } else if (isTable(node)) {
      for (const [k, v] of Object.entries(node)) visit(v, [...path, k]);
    }
  };
  visit(value, []);
  return out;
}

/** Whether the value holds a bigint anywhere (most manifests do not: then nothing is copied). */
export function containsBigInt(value: unknown): boolean {
  if (typeof value === "bigint") return true;
  if (Array.isArray(value)) return value.some(containsBigInt);
  return isTable(value) && Object.values(value).some(containsBigInt);
}

/**
 * The value with every bigint as the nearest number, for schema validation: a bigint is beyond
 * every limit the schema sets, and as a number it fails the same range check a huge number does.
 */
export function bigIntsAsNumbers(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(bigIntsAsNumbers);
  if (!isTable(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bigIntsAsNumbers(v)]));
}

// smol-toml's tables have a null prototype; its dates are class instances, left alone.
function isTable(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}
