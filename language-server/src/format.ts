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
  // Step 1 adds no line breaks, so line i of `out` is line i of `text`: mark the lines that begin
  // inside a multi-line string, and keep each line's own ending (a string's content includes it).
  const parts = out.split(/(\r?\n)/);
  const lineStartsInProtected: boolean[] = [];
  let origOffset = 0;
  for (const origLine of text.split(/(\r?\n)/)) {
    if (origLine === "\n" || origLine === "\r\n") {
      origOffset += origLine.length;
      continue;
    }
    lineStartsInProtected.push(inProtected(origOffset));
    origOffset += origLine.length;
  }
  // 2. Line pass: trailing whitespace, blank lines, spacing before tables.
  interface OutLine { text: string; end: string; kind: "protected" | "comment" | "blank" | "code" }
  const result: OutLine[] = [];
  const headerLines = new Set(doc.index.statements.filter((st) => st.kind === "header").map((st) => doc.lines.lineAt(st.span.start)));
  for (let i = 0; i * 2 < parts.length; i++) {
    const raw = parts[i * 2] ?? "";
    const ending = parts[i * 2 + 1] ?? eol;
    const endsInString = lineStartsInProtected[i + 1] === true;
    const end = endsInString ? ending : eol;
    if (lineStartsInProtected[i] === true) {
      result.push({ text: endsInString ? raw : raw.replace(/[ \t]+$/, ""), end, kind: "protected" });
      continue;
    }
    const line = endsInString ? raw : raw.replace(/[ \t]+$/, "");
    if (line === "") {
      if (result.length > 0 && result.at(-1)?.kind !== "blank") result.push({ text: "", end, kind: "blank" });
      continue;
    }
    if (headerLines.has(i)) {
      // Walk back over the comments that introduce this table; the blank line goes above them.
      let k = result.length;
      while (k > 0 && result[k - 1]?.kind === "comment") k--;
      if (k > 0 && result[k - 1]?.kind !== "blank") result.splice(k, 0, { text: "", end: eol, kind: "blank" });
    }
    result.push({ text: line, end, kind: /^\s*#/.test(line) ? "comment" : "code" });
  }
  while (result.at(-1)?.kind === "blank") result.pop();
  const finalLine = result.at(-1);
  if (finalLine !== undefined) finalLine.end = eol;
  return result.map((l) => l.text + l.end).join("");
}
