import { parse as parseToml, TomlError } from "smol-toml";
import manifestSchema from "../../schemas/manifest.v1.json" with { type: "json" };
import { validateManifest } from "./generated/validators.js";
import type { AjvError } from "./generated/validate-function.ts";
import { DiagnosticCode } from "./diagnostics.ts";

/** Where a project's manifest may live, first match wins (DESIGN §2). */
export const MANIFEST_PATHS = [".devcontainer/remo-broker.toml", ".remo/broker.toml"] as const;

/** The only manifest schema version this code reads. */
export const SUPPORTED_SCHEMA_VERSIONS = [1] as const;

/** A project name: also the socket's file name. */
export const projectNamePattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** A secret name, case-sensitive. */
export const secretNamePattern = /^[A-Za-z0-9_]{1,128}$/;

/** Limits from the schema, named once. */
export const manifestLimits = {
  descriptionMaxLength: 256,
  ttlSeconds: { min: 1, max: 86_400 },
  maxEntries: { min: 1, max: 1024 },
} as const;

/** The broker's cache defaults; a manifest may only lower them. */
export const brokerCacheDefaults = { ttlSeconds: 600, maxEntries: 64 } as const;

/** A valid manifest, as the broker and the extension use it. */
export interface Manifest {
  schemaVersion: 1;
  project: { name: string; description?: string };
  allowlist: string[];
  cache: { ttlSeconds?: number; maxEntries?: number };
}

/** A path into the parsed TOML value: table keys and array indexes. */
export type ManifestPath = readonly (string | number)[];

/** One finding about a manifest, located by path (or by line/column for syntax errors). */
export interface ManifestIssue {
  code: DiagnosticCode;
  message: string;
  severity: "error" | "warning";
  /** The value or key the issue is about; `[]` is the whole document. */
  path: ManifestPath;
  /** Whether the range should cover the key (unknown key, duplicate) or its value. */
  target: "key" | "value" | "table";
  /** For syntax errors: 0-based line and column (UTF-16) of the parser's position. */
  position?: { line: number; column: number };
  /** Typed payload for quick fixes (see diagnostics.ts). */
  data?: Record<string, unknown>;
}

/** The result of reading a manifest's text. */
export interface ManifestParseResult {
  /** The raw TOML value, when the text parsed. */
  value: Record<string, unknown> | undefined;
  /** The manifest, when there were no errors. */
  manifest: Manifest | undefined;
  issues: ManifestIssue[];
}

/** Options for {@link parseManifest}. */
export interface ManifestContext {
  /** The basename of the folder holding `.devcontainer/` or `.remo/`; checked against project.name. */
  folderName?: string;
}

/** Parses and validates a manifest's text. Never throws; the text never appears in messages. */
export function parseManifest(text: string, context: ManifestContext = {}): ManifestParseResult {
  let value: Record<string, unknown>;
  try {
    value = parseToml(text);
  } catch (e) {
    return { value: undefined, manifest: undefined, issues: [tomlSyntaxIssue(e)] };
  }
  const issues = validateManifestValue(value, context);
  const hasError = issues.some((i) => i.severity === "error");
  return { value, manifest: hasError ? undefined : toManifest(value), issues };
}

/** Turns smol-toml's error into a located issue, without its source excerpt. */
export function tomlSyntaxIssue(e: unknown): ManifestIssue {
  const position = e instanceof TomlError ? { line: Math.max(0, e.line - 1), column: Math.max(0, e.column - 1) } : { line: 0, column: 0 };
  return { code: DiagnosticCode.tomlSyntax, message: humanizeTomlError(e), severity: "error", path: [], target: "value", position };
}

// smol-toml's reasons (TomlError.x calls in its source) in words that say what to do.
const tomlReasons: Record<string, string> = {
  "control characters are not allowed in strings": "this string is not closed before the end of the line. Close it with a matching quote",
  "unfinished string": "this string is not closed. Close it with a matching quote",
  "unfinished array": "this array is not closed. Add ']' after its last item",
  "expected comma or end of structure": "expected ',' or a closing bracket here. Separate items with ',' and close the array with ']' (or the inline table with '}')",
  "unfinished table": "this table header is not closed. Add ']'",
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
  "integer value cannot be represented losslessly": "this integer is too large. Use a smaller number",
  "control characters are not allowed in comments": "this comment contains a control character. Remove it",
};

/**
 * Turns smol-toml's error into a short sentence that says what to do. It never quotes the
 * source (smol-toml's message carries a code excerpt, which could hold a pasted value).
 */
export function humanizeTomlError(e: unknown): string {
  const first = e instanceof Error ? (e.message.split("\n")[0] ?? "") : "";
  const raw = first.replace(/^Invalid TOML document:\s*/i, "").replace(/\.$/, "");
  const mapped = tomlReasons[raw];
  const reason = mapped ?? (raw === "" ? "the file is not valid TOML. Fix the syntax" : `${raw}. Fix the syntax here`);
  return `TOML syntax error: ${reason}.`;
}

interface Schema { "properties"?: Record<string, Schema>; "required"?: string[]; "description"?: string; "markdownDescription"?: string; "items"?: Schema; "x-broker-default"?: number; "minimum"?: number; "maximum"?: number }

/** The JSON Schema node for a manifest path, or undefined (hover and completion read descriptions from it). */
export function manifestSchemaAt(path: ManifestPath): Schema | undefined {
  let node: Schema | undefined = manifestSchema;
  for (const part of path) {
    if (node === undefined) return undefined;
    node = typeof part === "number" ? node.items : node.properties?.[part];
  }
  return node;
}

/** The keys allowed in the table at `path` (root: `[]`). */
export function allowedKeys(path: ManifestPath): string[] {
  return Object.keys(manifestSchemaAt(path)?.properties ?? {});
}

/** The keys required in the table at `path`. */
export function requiredKeys(path: ManifestPath): string[] {
  return manifestSchemaAt(path)?.required ?? [];
}

/** Validates a parsed TOML value against schema v1 plus the rules a schema cannot express. */
export function validateManifestValue(value: Record<string, unknown>, context: ManifestContext = {}): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  let duplicates = false;
  if (!validateManifest(value)) {
    for (const err of validateManifest.errors ?? []) {
      if (err.keyword === "uniqueItems") duplicates = true;
      const issue = issueFromAjv(err, value);
      if (issue) issues.push(issue);
    }
  }
  // Ajv has already checked uniqueness; only locate every duplicate when it found one (a 10,000-name list is common enough).
  if (duplicates) issues.push(...duplicateSecretIssues(value));
  const name = getIn(value, ["project", "name"]);
  if (context.folderName !== undefined && typeof name === "string" && projectNamePattern.test(name) && name !== context.folderName) {
    const suggestion = projectNamePattern.test(context.folderName) ? context.folderName : undefined;
    issues.push({
      code: DiagnosticCode.projectNameMismatch,
      message: suggestion === undefined
        ? `Project name "${name}" must equal the project folder's name "${context.folderName}", which is not a valid project name. Rename the folder to lowercase letters, digits, '_' or '-'.`
        : `Project name "${name}" must equal the project folder's name. Set it to "${suggestion}".`,
      severity: "error",
      path: ["project", "name"],
      target: "value",
      ...(suggestion === undefined ? {} : { data: { replacement: suggestion } }),
    });
  }
  return dedupe(issues);
}

function dedupe(issues: ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    // Two missing tables share a path ([]): the missing key tells them apart.
    const k = `${i.code}|${i.path.join("/")}|${i.target}|${JSON.stringify(i.data?.key ?? null)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((p) => {
    const s = p.replace(/~1/g, "/").replace(/~0/g, "~");
    return /^\d+$/.test(s) ? Number(s) : s;
  });
}

function getIn(value: unknown, path: ManifestPath): unknown {
  let node: unknown = value;
  for (const part of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function describeType(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null || v === undefined) return "nothing";
  if (typeof v === "object") return v instanceof Date || (v as { constructor?: { name?: string } }).constructor?.name === "TomlDate" ? "a date" : "a table";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a float";
  if (typeof v === "bigint") return "an integer";
  return `a ${typeof v}`;
}

/** A value for a message: the literal for a number or boolean, otherwise what it is ("a table"). */
function showValue(v: unknown): string {
  return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" ? String(v) : describeType(v);
}

const typeNames: Record<string, string> = { object: "a table", array: "an array", string: "a string", integer: "an integer", number: "a number" };

function displayPath(path: ManifestPath): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replace(/\.\[/g, "[");
}

function issueFromAjv(err: AjvError, root: Record<string, unknown>): ManifestIssue | undefined {
  const path = pointerToPath(err.instancePath);
  const at = getIn(root, path);
  const where = path.length === 0 ? "the top level" : `[${displayPath(path)}]`;
  const error = (code: DiagnosticCode, message: string, target: ManifestIssue["target"] = "value", data?: Record<string, unknown>): ManifestIssue =>
    ({ code, message, severity: "error", path, target, ...(data === undefined ? {} : { data }) });

  switch (err.keyword) {
    case "required": {
      const key = String(err.params.missingProperty);
      const table = path.length === 0 ? key : `${displayPath(path)}.${key}`;
      const isTable = manifestSchemaAt([...path, key])?.properties !== undefined;
      const example = exampleFor([...path, key]);
      return error(DiagnosticCode.missingKey,
        isTable
          ? `Missing required table [${table}]. Add it, e.g. ${example}.`
          : `Missing required key "${key}" in ${where}. Add ${example}.`,
        "table", { key, parent: path, isTable });
    }
    case "additionalProperties": {
      const key = String(err.params.additionalProperty);
      const allowed = allowedKeys(path);
      const suggestion = suggestKey(key, allowed);
      const tableWord = path.length === 0 ? "at the top level" : `in [${displayPath(path)}]`;
      const hint = suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`;
      return { code: DiagnosticCode.unknownKey, severity: "error", path: [...path, key], target: "key",
        message: `Unknown key "${key}".${hint} Allowed keys ${tableWord}: ${allowed.join(", ")}.`,
        data: { key, ...(suggestion === undefined ? {} : { suggestion }) } };
    }
    case "type": {
      const expected = String(err.params.type);
      const last = path.at(-1);
      if (path.length === 1 && last === "schema_version") {
        return error(DiagnosticCode.unsupportedSchemaVersion, `schema_version must be the integer 1 (supported versions: ${SUPPORTED_SCHEMA_VERSIONS.join(", ")}), not ${describeType(at)}. Set schema_version = 1.`, "value", { replacement: 1 });
      }
      return error(DiagnosticCode.wrongType, `${displayPath(path)} must be ${typeNames[expected] ?? expected}, not ${describeType(at)}. Write it as ${exampleFor(path)}.`);
    }
    case "enum":
      return error(DiagnosticCode.unsupportedSchemaVersion, `schema_version ${showValue(at)} is not supported. Supported versions: ${SUPPORTED_SCHEMA_VERSIONS.join(", ")}. Set schema_version = 1.`, "value", { replacement: 1 });
    case "pattern": {
      if (path[0] === "project") {
        const fixed = typeof at === "string" ? normalizeProjectName(at) : undefined;
        return error(DiagnosticCode.badProjectName,
          `Project name must be 1–64 lowercase letters, digits, '_' or '-', starting with a letter or digit${fixed === undefined ? "" : ` (e.g. "${fixed}")`}.`,
          "value", fixed === undefined ? undefined : { replacement: fixed });
      }
      const len = typeof at === "string" ? at.length : 0;
      return error(DiagnosticCode.badSecretName, len > 128
        ? `Secret name is ${len} characters long; use at most 128.`
        : looksLikePastedValue(at)
          // A long odd string in the allowlist is often a value pasted by mistake: never echo it.
          ? "This entry is not a secret name (names are 1–128 of A–Z, a–z, 0–9 and '_'). If you pasted a secret value here, remove it and list the secret's name instead."
          : `Secret name "${typeof at === "string" ? at : ""}" may only contain A–Z, a–z, 0–9 and '_' (1–128 characters). Rename it, e.g. "${typeof at === "string" ? suggestSecretName(at) : "MY_TOKEN"}".`);
    }
    case "maxLength":
      return error(DiagnosticCode.descriptionTooLong, `The description is ${typeof at === "string" ? at.length : "?"} characters long; shorten it to at most ${manifestLimits.descriptionMaxLength}.`);
    case "minimum":
    case "maximum": {
      const schema = manifestSchemaAt(path);
      const def = schema?.["x-broker-default"];
      return error(DiagnosticCode.outOfRange, `${displayPath(path)} must be between ${schema?.minimum ?? "?"} and ${schema?.maximum ?? "?"}, got ${showValue(at)}.${def === undefined ? "" : ` The broker default is ${def}; this setting can only lower it.`}`);
    }
    case "uniqueItems":
      return undefined; // reported by duplicateSecretIssues with both places
    default:
      return error(DiagnosticCode.invalidValue, `${displayPath(path) || "The manifest"} is invalid: ${err.message ?? err.keyword}.`);
  }
}

function exampleFor(path: ManifestPath): string {
  switch (path.join(".")) {
    case "schema_version": return "schema_version = 1";
    case "project": return "[project] with name = \"<folder name>\"";
    case "project.name": return "name = \"<folder name>\"";
    case "project.description": return "description = \"text\"";
    case "allowlist": return "[allowlist] with secrets = []";
    case "allowlist.secrets": return "secrets = [\"GITHUB_TOKEN\"]";
    case "cache": return "[cache] with ttl_seconds = 600";
    case "cache.ttl_seconds": return "ttl_seconds = 600";
    case "cache.max_entries": return "max_entries = 64";
    default: return typeof path.at(-1) === "number" && path[0] === "allowlist" ? "\"GITHUB_TOKEN\"" : "a valid value";
  }
}

/** Finds duplicate secret names: the later one is the error, the first one a hint pointing back. */
function duplicateSecretIssues(value: Record<string, unknown>): ManifestIssue[] {
  const secrets = getIn(value, ["allowlist", "secrets"]);
  if (!Array.isArray(secrets)) return [];
  const first = new Map<string, number>();
  const issues: ManifestIssue[] = [];
  secrets.forEach((s: unknown, i) => {
    if (typeof s !== "string") return;
    const prev = first.get(s);
    if (prev === undefined) {
      first.set(s, i);
      return;
    }
    issues.push({
      code: DiagnosticCode.duplicateSecret,
      message: `"${s}" is already in the allowlist (item ${prev + 1}). Remove this duplicate.`,
      severity: "error",
      path: ["allowlist", "secrets", i],
      target: "value",
      data: { name: s, firstIndex: prev, index: i },
    });
  });
  return issues;
}

/** The closest allowed key to a misspelt one, or undefined when nothing is near. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: { key: string; score: number } | undefined;
  for (const a of allowed) {
    const al = a.toLowerCase();
    const score = al.startsWith(k) || k.startsWith(al) ? 0.5 : levenshtein(k, al);
    if (score <= Math.max(1, Math.floor(a.length / 3)) && (best === undefined || score < best.score)) best = { key: a, score };
  }
  return best?.key;
}

// Optimal string alignment distance: a swapped pair of letters ("nmae") costs 1, as typos do.
function levenshtein(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      row[j] = v;
    }
  }
  return at(a.length, b.length);
}

/** Lowercases and replaces what a project name may not hold; undefined when nothing usable is left. */
export function normalizeProjectName(name: string): string | undefined {
  const n = name.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_]+/, "").slice(0, 64);
  return projectNamePattern.test(n) ? n : undefined;
}

function looksLikePastedValue(v: unknown): boolean {
  return typeof v === "string" && v.length > 24;
}

function suggestSecretName(name: string): string {
  const n = name.replace(/[^A-Za-z0-9_]+/g, "_").slice(0, 128);
  return /[A-Za-z0-9]/.test(n) ? n : "MY_TOKEN";
}

function toManifest(value: Record<string, unknown>): Manifest {
  const v = value as { project: { name: string; description?: string }; allowlist: { secrets: string[] }; cache?: { ttl_seconds?: number; max_entries?: number } };
  return {
    schemaVersion: 1,
    project: v.project.description === undefined ? { name: v.project.name } : { name: v.project.name, description: v.project.description },
    allowlist: [...v.allowlist.secrets],
    cache: {
      ...(v.cache?.ttl_seconds === undefined ? {} : { ttlSeconds: v.cache.ttl_seconds }),
      ...(v.cache?.max_entries === undefined ? {} : { maxEntries: v.cache.max_entries }),
    },
  };
}

/** The cache limits that apply to a project: the manifest's, capped by the broker's. */
export function effectiveCacheLimits(manifest: Manifest, broker: { ttlSeconds: number; maxEntries: number } = brokerCacheDefaults): { ttlSeconds: number; maxEntries: number } {
  return {
    ttlSeconds: Math.min(manifest.cache.ttlSeconds ?? broker.ttlSeconds, broker.ttlSeconds),
    maxEntries: Math.min(manifest.cache.maxEntries ?? broker.maxEntries, broker.maxEntries),
  };
}
