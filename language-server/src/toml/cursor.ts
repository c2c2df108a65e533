import { buildKeyIndex, type KeyEntry, type KeyPath, type TomlKeyIndex } from "./key-index.ts";
import type { LineIndex } from "./positions.ts";

/** Where the cursor is, in the terms completion and hover need. */
export type CursorContext =
  | { kind: "empty" }
  | { kind: "header"; replaceStart: number }
  | { kind: "key"; table: KeyPath; replaceStart: number; lineHasText: boolean }
  | { kind: "value"; path: KeyPath; replaceStart: number }
  | { kind: "array-item"; path: KeyPath; replaceStart: number; replaceEnd: number; inString: boolean; listed: string[] }
  | { kind: "none" };

/**
 * Works out what the cursor at `offset` is completing. It reads the raw text (not the
 * recovered parse) because the line being typed is usually the broken one.
 */
export function cursorContext(text: string, lines: LineIndex, offset: number, raw: TomlKeyIndex = buildKeyIndex(text)): CursorContext {
  if (text.trim() === "") return { kind: "empty" };
  const line = lines.lineAt(offset);
  const lineStart = lines.lineStart(line);
  const prefix = text.slice(lineStart, offset);
  const table = tableAt(raw, offset);
  const array = arrayAround(raw, text, offset);
  if (array !== undefined) return array;
  if (prefix.includes("#")) return { kind: "none" };
  const header = /^\s*\[+\s*[^\]]*$/.exec(prefix);
  if (header !== null) return { kind: "header", replaceStart: lineStart + prefix.indexOf("[") };
  const key = /^(\s*)[A-Za-z0-9_-]*$/.exec(prefix);
  if (key !== null) {
    const rest = text.slice(offset, lines.lineEnd(line));
    return { kind: "key", table, replaceStart: lineStart + (key[1]?.length ?? 0), lineHasText: /\S/.test(rest) };
  }
  const kv = /^\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=\s*(\S*)$/.exec(prefix);
  if (kv !== null) {
    const keyPath = (kv[1] ?? "").split(".").map((s) => s.trim());
    const typed = kv[2] ?? "";
    if (typed.startsWith("[")) {
      const inner = typed.slice(1);
      return itemContext([...table, ...keyPath], inner, offset, text, lines.lineEnd(line), []);
    }
    return { kind: "value", path: [...table, ...keyPath], replaceStart: offset - typed.length };
  }
  return { kind: "none" };
}

function itemContext(path: KeyPath, sinceBracket: string, offset: number, text: string, lineEnd: number, listed: string[]): CursorContext {
  const tail = sinceBracket.slice(Math.max(sinceBracket.lastIndexOf(","), -1) + 1);
  const quotes = (tail.match(/"/g) ?? []).length;
  const inString = quotes % 2 === 1;
  const replaceStart = inString ? offset - (tail.length - tail.lastIndexOf("\"") - 1) : offset - tail.trimStart().length;
  let replaceEnd = offset;
  while (replaceEnd < lineEnd && /[A-Za-z0-9_]/.test(text.charAt(replaceEnd))) replaceEnd++;
  return { kind: "array-item", path, replaceStart, replaceEnd, inString, listed };
}

/** The table whose body holds `offset`: the last complete header before it. */
export function tableAt(raw: TomlKeyIndex, offset: number): KeyPath {
  let table: KeyPath = [];
  for (const e of raw.ordered) {
    if (e.kind !== "table" || e.headerSpan === undefined) continue;
    if (e.headerSpan.end > offset) break;
    table = e.path;
  }
  return table;
}

/** The array value around `offset` (possibly unclosed and spanning lines), as an item context. */
function arrayAround(raw: TomlKeyIndex, text: string, offset: number): CursorContext | undefined {
  let found: KeyEntry | undefined;
  for (const e of raw.ordered) {
    if (e.kind !== "value" || e.items === undefined || e.keySpan === undefined) continue;
    if (e.fullSpan.start >= offset) break;
    const open = text.indexOf("[", e.keySpan.end);
    const close = e.valueSpan?.end ?? statementEnd(raw, e.fullSpan.start, text.length);
    if (open !== -1 && open < offset && offset < close + (e.valueSpan === undefined ? 1 : 0)) found = e;
  }
  if (found === undefined) return undefined;
  const listed = (found.itemEntries ?? []).flatMap((i) => (i.stringValue === undefined ? [] : [i.stringValue]));
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const open = text.indexOf("[", found.keySpan?.end ?? 0);
  const since = text.slice(Math.max(open, lineStart - 1) + 1, offset);
  const nl = text.indexOf("\n", offset);
  return itemContext(found.path, open >= lineStart ? since : `,${since}`, offset, text, nl === -1 ? text.length : nl, listed);
}

function statementEnd(raw: TomlKeyIndex, start: number, fallback: number): number {
  return raw.statements.find((s) => s.span.start === start)?.span.end ?? fallback;
}
