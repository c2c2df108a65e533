// Generic TOML error recovery: parse, and on a syntax error blank the broken statement and parse
// again, so one typo does not hide the rest of the file. Knows TOML, not the manifest.
import { TomlError } from "smol-toml";
import { humanizeTomlError, isTomlReason, parseTomlText } from "#protocol";
import { buildKeyIndex, type TomlKeyIndex } from "./key-index.ts";
import type { LineIndex, Span } from "./positions.ts";

/** A TOML syntax error, located by offset in the document. */
export interface SyntaxProblem {
  span: Span;
  message: string;
}

/** What recovery found: the value of the text that parsed, and each syntax error on the way. */
export interface RecoveredToml {
  /** The parsed value: of the whole text, or of the text with its broken statements blanked. */
  value: Record<string, unknown> | undefined;
  syntax: SyntaxProblem[];
  /** The text that parsed: the original with broken statements blanked (offsets kept). */
  parsedText: string;
  /** The position map of the original text; built only when it had a syntax error. */
  originalIndex: TomlKeyIndex | undefined;
  /** The position map of {@link parsedText}, when recovery had to build it. */
  parsedIndex: TomlKeyIndex | undefined;
}

// Enough to step over every broken statement of a half-typed file without looping on a pathological one.
const maxRecoveries = 32;

/**
 * Parses TOML text, stepping over broken statements. The position map and line index are
 * only built when there is a syntax error, so a valid text costs one parse. Never throws.
 */
export function recoverToml(text: string, lines: () => LineIndex): RecoveredToml {
  const syntax: SyntaxProblem[] = [];
  let current = text;
  let value: Record<string, unknown> | undefined;
  let scanned: TomlKeyIndex | undefined;
  let originalIndex: TomlKeyIndex | undefined;
  for (let attempt = 0; attempt <= maxRecoveries; attempt++) {
    try {
      value = parseTomlText(current);
      break;
    } catch (e) {
      scanned ??= buildKeyIndex(current);
      originalIndex ??= scanned;
      const offset = errorOffset(e, lines());
      syntax.push(syntaxProblem(e, offset, text, lines(), scanned));
      const blank = blankSpan(offset, scanned, lines(), current);
      if (attempt === maxRecoveries || blank.end <= blank.start) break;
      current = current.slice(0, blank.start) + current.slice(blank.start, blank.end).replace(/[^\r\n]/g, " ") + current.slice(blank.end);
      scanned = buildKeyIndex(current);
    }
  }
  return { value, syntax: dedupeSyntax(syntax), parsedText: current, originalIndex, parsedIndex: scanned };
}

function dedupeSyntax(list: SyntaxProblem[]): SyntaxProblem[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const k = `${s.span.start}:${s.span.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function errorOffset(e: unknown, lines: LineIndex): number {
  if (e instanceof TomlError) return lines.offsetOfLineColumn(e.line, e.column);
  return 0;
}

/**
 * The region to blank after an error at `offset`: normally the statement holding it, through
 * the error's line. An unclosed array is only noticed by the parser at the next statement,
 * so when the statement just before the error's one is an unclosed array or inline table,
 * that one is blanked instead and the statement where the parser stopped survives.
 */
function blankSpan(offset: number, index: TomlKeyIndex, lines: LineIndex, text: string): Span {
  const line = lines.lineAt(offset);
  const errorLine = { start: lines.lineStart(line), end: lines.lineEnd(line) };
  const sts = index.statements;
  let at = sts.findIndex((s) => s.span.start <= offset && offset < s.span.end);
  if (at === -1) at = sts.findIndex((s) => s.span.start <= offset && offset <= s.span.end);
  if (at === -1) at = sts.findIndex((s) => s.span.start >= errorLine.start);
  const prev = at > 0 ? sts[at - 1] : at === -1 ? sts.at(-1) : undefined;
  if (prev !== undefined && index.problems.some((p) => (p.reason === "unclosed-array" || p.reason === "unclosed-inline-table") && p.span.start >= prev.span.start && p.span.start < prev.span.end)) {
    return linesOf(prev.span, lines);
  }
  const here = at === -1 ? undefined : sts[at];
  if (here !== undefined && here.span.start <= offset && text.charAt(here.span.start) === "[") {
    // A header that does not parse takes its body with it: those keys belong to no table we know.
    const next = sts.slice(at + 1).find((s) => s.kind === "header");
    const end = next === undefined ? text.length : lines.lineEnd(lines.lineAt(next.span.start) - 1);
    return { start: lines.lineStart(lines.lineAt(here.span.start)), end: Math.max(end, errorLine.end) };
  }
  if (here !== undefined && here.span.start <= offset) {
    const span = { start: lines.lineStart(lines.lineAt(here.span.start)), end: errorLine.end };
    if (text.slice(span.start, span.end).trim() !== "") return span;
  }
  return errorLine;
}

function linesOf(span: Span, lines: LineIndex): Span {
  const last = lines.lineAt(Math.max(span.start, span.end - 1));
  return { start: lines.lineStart(lines.lineAt(span.start)), end: lines.lineEnd(last) };
}

function syntaxProblem(e: unknown, offset: number, original: string, lines: LineIndex, index: TomlKeyIndex): SyntaxProblem {
  const message = humanizeTomlError(e);
  // An unclosed array or string is clearer at its opening bracket than where the parser gave up.
  const errLine = lines.lineAt(offset);
  const onLine = (reason: string): { span: Span } | undefined => index.problems.find((p) => p.reason === reason && lines.lineAt(p.span.start) === errLine);
  const header = onLine("bad-header");
  if (header !== undefined) {
    const text = original.slice(header.span.start, lines.lineEnd(errLine)).replace(/\s*(#.*)?$/, "");
    return { span: { start: header.span.start, end: header.span.start + text.length }, message: "TOML syntax error: this table header is not complete. Write it as [name] with a closing ']'." };
  }
  const noEquals = onLine("missing-equals");
  if (noEquals !== undefined) {
    const key = /^[^\s=#]+/.exec(original.slice(noEquals.span.start, lines.lineEnd(errLine)))?.[0] ?? "";
    if (key !== "") return { span: { start: noEquals.span.start, end: noEquals.span.start + key.length }, message: `TOML syntax error: "${key}" is a key without a value. Write it as ${key} = value, or delete it.` };
  }
  const noValue = /^(\s*)([A-Za-z0-9_."'-]+?)\s*=\s*(#.*)?$/.exec(original.slice(lines.lineStart(errLine), lines.lineEnd(errLine)));
  if (noValue !== null && onLine("missing-value") !== undefined) {
    const start = lines.lineStart(errLine) + (noValue[1]?.length ?? 0);
    const key = noValue[2] ?? "";
    return { span: { start, end: start + key.length }, message: `TOML syntax error: "${key}" has no value. Write a value after "=", or delete the line.` };
  }
  if (isTomlReason(e, "trying to redefine an already defined table or value", "trying to redefine an already defined value")) {
    const entry = index.ordered.find((e) => e.keySpan !== undefined && e.keySpan.start <= offset && offset < e.keySpan.end);
    const hit = index.ordered.find((e) => e.headerSpan !== undefined && e.headerSpan.start <= offset && offset < e.headerSpan.end) ?? entry;
    const span = hit?.keySpan;
    if (span !== undefined) return { span, message };
  }
  if (isTomlReason(e, "control characters are not allowed in strings", "unfinished string")) {
    const opened = index.problems.find((p) => p.reason === "unclosed-string" && lines.lineAt(p.span.start) === errLine);
    if (opened !== undefined) return { span: { start: opened.span.start, end: lines.lineEnd(errLine) }, message };
  }
  if (isTomlReason(e, "expected comma or end of structure", "unfinished array")) {
    // The array that was open where the parser stopped: no header between its '[' and the error's line.
    const opened = [...index.problems].reverse().find((p) => (p.reason === "unclosed-array" || p.reason === "unclosed-inline-table") && p.span.start <= offset
      && !index.statements.some((s) => s.kind === "header" && s.span.start > p.span.start && s.span.start < lines.lineStart(errLine)));
    if (opened !== undefined) return { span: opened.span, message: opened.reason === "unclosed-array" ? "TOML syntax error: this array is not closed. Add ']' after its last item." : "TOML syntax error: this inline table is not closed. Add '}' on the same line." };
  }
  return { span: tokenSpanAt(offset, original, lines), message };
}

/** The token at an offset (up to whitespace), or the character before it at the end of a line. */
function tokenSpanAt(offset: number, text: string, lines: LineIndex): Span {
  const line = lines.lineAt(offset);
  const lineEnd = lines.lineEnd(line);
  const lineStart = lines.lineStart(line);
  let end = offset;
  while (end < lineEnd && !/\s/.test(text.charAt(end))) end++;
  if (end > offset) return { start: offset, end };
  let start = offset;
  while (start > lineStart && /\s/.test(text.charAt(start - 1))) start--;
  if (start === lineStart) return { start: offset, end: offset };
  let s = start - 1;
  while (s > lineStart && !/\s/.test(text.charAt(s - 1))) s--;
  return { start: s, end: start };
}
