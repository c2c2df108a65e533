import type { TextEdit } from "vscode-languageserver";
import type { ParsedManifest } from "./toml/parse.ts";
import type { Span } from "./toml/positions.ts";

/**
 * Formats a manifest without changing what it means: one space each side of `=`, no
 * trailing whitespace, one blank line before each table (and its leading comments), at
 * most one blank line anywhere, one final newline. Comments and multi-line string
 * contents are kept byte for byte. Returns no edits for a file that does not parse,
 * since its statements cannot be told apart safely. Idempotent.
 */
export function formatDocument(doc: ParsedManifest): TextEdit[] {
  const formatted = formatText(doc);
  if (formatted === undefined || formatted === doc.text) return [];
  return [{ range: doc.lines.rangeOf({ start: 0, end: doc.text.length }), newText: formatted }];
}

/** The formatted text, or undefined when the document has syntax errors. */
export function formatText(doc: ParsedManifest): string | undefined {
  // A lone \r would make our line split disagree with the scanner's; TOML rejects it anyway.
  if (doc.syntax.length > 0 || doc.value === undefined || /\r(?!\n)/.test(doc.text)) return undefined;
  const text = doc.text;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const protectedSpans = doc.index.multilineStrings;
  const inProtected = (offset: number): boolean => protectedSpans.some((s: Span) => s.start < offset && offset < s.end);
  // 1. Normalise the gap between each key and its value to " = " (never inside strings: spans come from the scanner).
  const gaps: Span[] = [];
  for (const e of doc.index.ordered) {
    if (e.kind !== "value" || e.keySpan === undefined || e.valueSpan === undefined) continue;
    gaps.push({ start: e.keySpan.end, end: e.valueSpan.start });
  }
  gaps.sort((a, b) => a.start - b.start);
  let out = "";
  let last = 0;
  for (const g of gaps) {
    if (!/^[ \t]*=[ \t]*$/.test(text.slice(g.start, g.end))) continue;
    out += text.slice(last, g.start) + " = ";
    last = g.end;
  }
  out += text.slice(last);
  // Offsets shift after step 1; recompute protected spans on the new text by re-scanning line by line.
  const lines = out.split(/\r?\n/);
  const lineStartsInProtected: boolean[] = [];
  {
    // Map each line of `out` to whether it begins inside a multi-line string of the original.
    let origOffset = 0;
    for (const origLine of text.split(/\r?\n/)) {
      lineStartsInProtected.push(inProtected(origOffset));
      origOffset += origLine.length + (text.startsWith("\r\n", origOffset + origLine.length) ? 2 : 1);
    }
  }
  const endsInProtected = lineStartsInProtected.slice(1);
  // 2. Line pass: trailing whitespace, blank lines, spacing before tables.
  const result: string[] = [];
  const headerLines = new Set(doc.index.statements.filter((st) => st.kind === "header").map((st) => doc.lines.lineAt(st.span.start)));
  const isComment = (l: string): boolean => /^\s*#/.test(l);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    if (lineStartsInProtected[i] === true) {
      result.push(endsInProtected[i] === true ? raw : raw.replace(/[ \t]+$/, ""));
      continue;
    }
    const line = endsInProtected[i] === true ? raw : raw.replace(/[ \t]+$/, "");
    if (line === "") {
      if (result.length > 0 && result.at(-1) !== "") result.push("");
      continue;
    }
    if (headerLines.has(i)) {
      // Walk back over the comments that introduce this table; the blank line goes above them.
      let k = result.length;
      while (k > 0 && isComment(result[k - 1] ?? "")) k--;
      if (k > 0 && result[k - 1] !== "") result.splice(k, 0, "");
    }
    result.push(line);
  }
  while (result.length > 0 && result.at(-1) === "") result.pop();
  return result.length === 0 ? "" : result.join(eol) + eol;
}
