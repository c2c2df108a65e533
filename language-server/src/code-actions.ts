import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit } from "vscode-languageserver";
import { DIAGNOSTIC_SOURCE, DiagnosticCode, allowedKeys, brokerCacheDefaults, normalizeProjectName } from "#protocol";
import { SECRET_VALUE_MISSING, SET_SECRET_COMMAND } from "#protocol/lsp";
import { entryAt, type KeyEntry, type KeyPath } from "./toml/key-index.ts";
import type { ParsedManifest } from "./toml/parse.ts";
import type { Span } from "./toml/positions.ts";

/** What the code action provider needs besides the document. */
export interface CodeActionInput {
  uri: string;
  range: Range;
  diagnostics: readonly Diagnostic[];
  folderName: string | undefined;
}

const sortKind = `${CodeActionKind.Source}.sortAllowlist`;

/**
 * Quick fixes for our diagnostics, keyed on `code` and typed `data` (never the message),
 * plus "Sort and dedupe the allowlist" wherever the allowlist needs it.
 */
export function codeActions(doc: ParsedManifest, input: CodeActionInput): CodeAction[] {
  const out: CodeAction[] = [];
  const edit = (title: string, edits: TextEdit[], diagnostic?: Diagnostic, preferred = false): CodeAction => ({
    title, kind: CodeActionKind.QuickFix, edit: { changes: { [input.uri]: edits } },
    ...(diagnostic === undefined ? {} : { diagnostics: [diagnostic] }), ...(preferred ? { isPreferred: true } : {}),
  });
  let sortOffered = false;
  for (const d of input.diagnostics) {
    if (d.source !== DIAGNOSTIC_SOURCE) continue;
    const data = (d.data ?? {}) as Record<string, unknown>;
    switch (d.code) {
      case DiagnosticCode.duplicateSecret: {
        if (data.isFirst === true || typeof data.index !== "number") break;
        const del = removeItemSpan(doc, data.index);
        if (del !== undefined) out.push(edit(`Remove duplicate "${String(data.name)}"`, [{ range: doc.lines.rangeOf(del), newText: "" }], d, true));
        const sort = sortAllowlistAction(doc, input.uri, d);
        if (sort !== undefined && !sortOffered) {
          out.push(sort);
          sortOffered = true;
        }
        break;
      }
      case DiagnosticCode.unknownKey: {
        if (typeof data.suggestion === "string") out.push(edit(`Rename to "${data.suggestion}"`, [{ range: d.range, newText: data.suggestion }], d, true));
        const entry = entryWithKeyAt(doc, doc.lines.offsetAt(d.range.start));
        if (entry?.kind === "value") out.push(edit(`Remove "${String(data.key)}"`, [{ range: doc.lines.rangeOf(wholeLines(doc, entry.fullSpan)), newText: "" }], d));
        if (entry?.kind === "table") {
          // The blank line that separated the table goes with it.
          const span = wholeLines(doc, entry.fullSpan);
          const line = doc.lines.lineAt(span.start);
          const blankAbove = line > 0 && doc.text.slice(doc.lines.lineStart(line - 1), doc.lines.lineEnd(line - 1)).trim() === "";
          out.push(edit(`Remove table [${entry.path.join(".")}]`, [{ range: doc.lines.rangeOf({ start: blankAbove ? doc.lines.lineStart(line - 1) : span.start, end: span.end }), newText: "" }], d));
        }
        break;
      }
      case DiagnosticCode.projectNameMismatch:
      case DiagnosticCode.badProjectName:
        if (typeof data.replacement === "string") out.push(edit(`Set project name to "${data.replacement}"`, [{ range: d.range, newText: JSON.stringify(data.replacement) }], d, true));
        break;
      case DiagnosticCode.unsupportedSchemaVersion:
        out.push(edit("Set schema_version = 1", [{ range: d.range, newText: "1" }], d, true));
        break;
      case DiagnosticCode.missingKey: {
        const fix = addMissing(doc, data, input.folderName);
        if (fix !== undefined) out.push(edit(fix.title, [fix.edit], d, true));
        break;
      }
      case SECRET_VALUE_MISSING:
        if (typeof data.name === "string") {
          out.push({ title: `Set value for "${data.name}"…`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, command: { title: "Set value…", command: SET_SECRET_COMMAND, arguments: [data.name] } });
        }
        break;
      case undefined:
      default:
        break;
    }
  }
  if (!sortOffered) {
    const secrets = entryAt(doc.index, ["allowlist", "secrets"]);
    const offset = doc.lines.offsetAt(input.range.start);
    if (secrets?.fullSpan !== undefined && secrets.fullSpan.start <= offset && offset <= secrets.fullSpan.end) {
      const sort = sortAllowlistAction(doc, input.uri);
      if (sort !== undefined) out.push(sort);
    }
  }
  return out;
}

function entryWithKeyAt(doc: ParsedManifest, offset: number): KeyEntry | undefined {
  return doc.index.ordered.find((e) => e.keySpan?.start === offset);
}

/** Extends a span to whole lines, including the line break after it. */
function wholeLines(doc: ParsedManifest, span: Span): Span {
  const first = doc.lines.lineAt(span.start);
  const last = doc.lines.lineAt(span.end);
  return { start: doc.lines.lineStart(first), end: last + 1 < doc.lines.lineCount ? doc.lines.lineStart(last + 1) : doc.text.length };
}

/** The text to delete to drop item `index` of the allowlist: from the previous item's end. */
function removeItemSpan(doc: ParsedManifest, index: number): Span | undefined {
  const item = entryAt(doc.index, ["allowlist", "secrets", index])?.valueSpan;
  const prev = entryAt(doc.index, ["allowlist", "secrets", index - 1])?.valueSpan;
  if (item === undefined || prev === undefined) return undefined;
  return { start: prev.end, end: item.end };
}

/** "Sort and dedupe the allowlist", when the array is out of order or repeats a name and holds no comments. */
export function sortAllowlistAction(doc: ParsedManifest, uri: string, diagnostic?: Diagnostic): CodeAction | undefined {
  const arr = entryAt(doc.index, ["allowlist", "secrets"]);
  if (arr?.valueSpan === undefined || arr.items === undefined) return undefined;
  const span = arr.valueSpan;
  if (doc.index.comments.some((c) => c.start > span.start && c.start < span.end)) return undefined;
  const items: { name: string; text: string }[] = [];
  for (let i = 0; i < arr.items.length; i++) {
    const e = entryAt(doc.index, ["allowlist", "secrets", i]);
    if (e?.stringValue === undefined || e.valueSpan === undefined) return undefined;
    items.push({ name: e.stringValue, text: doc.text.slice(e.valueSpan.start, e.valueSpan.end) });
  }
  const seen = new Set<string>();
  const sorted = items.filter((i) => (seen.has(i.name) ? false : (seen.add(i.name), true))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (sorted.length === items.length && sorted.every((s, i) => s === items[i])) return undefined;
  const original = doc.text.slice(span.start, span.end);
  let newText: string;
  if (!original.includes("\n")) {
    newText = `[${sorted.map((s) => s.text).join(", ")}]`;
  } else {
    const firstItem = arr.items[0];
    const indent = firstItem === undefined ? "  " : doc.text.slice(doc.lines.lineStart(doc.lines.lineAt(firstItem.start)), firstItem.start).replace(/\S.*/, "");
    const closeIndent = doc.text.slice(doc.lines.lineStart(doc.lines.lineAt(span.end)), span.end - 1);
    const eol = doc.text.includes("\r\n") ? "\r\n" : "\n";
    newText = `[${eol}${sorted.map((s) => `${indent || "  "}${s.text},`).join(eol)}${eol}${/^\s*$/.test(closeIndent) ? closeIndent : ""}]`;
  }
  return {
    title: "Sort and dedupe the allowlist", kind: diagnostic === undefined ? sortKind : CodeActionKind.QuickFix,
    ...(diagnostic === undefined ? {} : { diagnostics: [diagnostic] }),
    edit: { changes: { [uri]: [{ range: doc.lines.rangeOf(span), newText }] } },
  };
}

function addMissing(doc: ParsedManifest, data: Record<string, unknown>, folderName: string | undefined): { title: string; edit: TextEdit } | undefined {
  const key = typeof data.key === "string" ? data.key : undefined;
  const parent = Array.isArray(data.parent) ? (data.parent as KeyPath) : undefined;
  if (key === undefined || parent === undefined) return undefined;
  const name = (folderName === undefined ? undefined : normalizeProjectName(folderName)) ?? "my-project";
  const eol = doc.text.includes("\r\n") ? "\r\n" : "\n";
  const body: Record<string, string> = {
    "schema_version": "schema_version = 1",
    "project": `[project]${eol}name = "${name}"`,
    "project.name": `name = "${name}"`,
    "allowlist": `[allowlist]${eol}secrets = []`,
    "allowlist.secrets": "secrets = []",
    "cache": `[cache]${eol}ttl_seconds = ${brokerCacheDefaults.ttlSeconds}`,
  };
  const text = body[[...parent, key].join(".")];
  if (text === undefined) return undefined;
  const at = (offset: number, newText: string): TextEdit => ({ range: doc.lines.rangeOf({ start: offset, end: offset }), newText });
  if (parent.length === 0 && key === "schema_version") return { title: "Add schema_version = 1", edit: at(0, `${text}${eol}${doc.text.trim() === "" ? "" : eol}`) };
  if (parent.length === 0) {
    // Keep the schema's order (schema_version, project, allowlist, cache): go before the first later table.
    const order = allowedKeys([]);
    const later = order.slice(order.indexOf(key) + 1).map((k) => entryAt(doc.index, [k])).find((e) => e?.headerSpan !== undefined);
    if (later?.headerSpan !== undefined) {
      // Above the comments that introduce that table, so they stay with it.
      let line = doc.lines.lineAt(later.headerSpan.start);
      while (line > 0 && /^\s*#/.test(doc.text.slice(doc.lines.lineStart(line - 1), doc.lines.lineEnd(line - 1)))) line--;
      return { title: `Add [${key}]`, edit: at(doc.lines.lineStart(line), `${text}${eol}${eol}`) };
    }
    const trimmedEnd = doc.text.replace(/\s+$/, "").length;
    const lead = trimmedEnd === 0 ? "" : `${eol}${eol}`;
    return { title: `Add [${key}]`, edit: { range: doc.lines.rangeOf({ start: trimmedEnd, end: doc.text.length }), newText: `${lead}${text}${eol}` } };
  }
  const table = entryAt(doc.index, parent);
  if (table === undefined) return undefined;
  const end = table.kind === "table" ? table.fullSpan.end : table.keySpan?.end ?? 0;
  return { title: `Add ${key} to [${parent.join(".")}]`, edit: at(end, `${eol}${text}`) };
}
