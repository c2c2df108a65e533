// Small JSONC editing helpers that keep a file's own style: only new text is inserted, nothing is reflowed.
// (jsonc-parser's modify() reformats the whole line of the previous sibling, which rewrites a user's one-line objects.)
import { applyEdits, findNodeAtLocation, printParseErrorCode, type Edit, type Node, type ParseError, parseTree } from "jsonc-parser";

/** A file's indentation unit and line ending. */
export interface TextStyle { indentUnit: string; eol: string }

/** Indentation and line ending of a file, guessed from its first indented line. */
export function detectStyle(text: string): TextStyle {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const m = /\n([ \t]+)\S/.exec(text);
  const indent = m?.[1];
  if (indent?.startsWith("\t")) return { indentUnit: "\t", eol };
  return { indentUnit: " ".repeat(indent === undefined ? 2 : Math.min(8, indent.length)), eol };
}

/** A parsed JSONC document or where it failed. Trailing commas and comments are allowed, as VS Code allows them. */
export function parseJsonc(text: string): { root: Node | undefined; errors: { message: string; line: number; column: number }[] } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return {
    root,
    errors: errors.map((e) => {
      const before = text.slice(0, e.offset);
      const line = before.split("\n").length;
      return { message: printParseErrorCode(e.error), line, column: e.offset - before.lastIndexOf("\n") };
    }),
  };
}

/**
 * Adds an entry at the end of the object or array at `path`: `key` for objects, none for
 * arrays. A one-line container stays on one line; a multi-line one gets a new line in
 * the indentation of its last entry, after any comment that ends that entry's line, and
 * keeps a trailing comma if the file uses them.
 * @throws Error when `path` does not lead to an object or array (callers check first)
 */
export function appendEntry(text: string, path: (string | number)[], key: string | undefined, value: unknown, style: TextStyle): string {
  const root = parseTree(text, [], { allowTrailingComma: true });
  const container = root === undefined ? undefined : path.length === 0 ? root : findNodeAtLocation(root, path);
  if (container === undefined || (container.type !== "object" && container.type !== "array")) throw new Error("no object or array at the path to append to");
  const prefix = key === undefined ? "" : `${JSON.stringify(key)}: `;
  const open = container.offset;
  const close = container.offset + container.length - 1;
  const oneLine = !text.slice(open, close + 1).includes("\n");
  const containerIndent = lineIndent(text, open);
  const children = container.children ?? [];
  const last = children.at(-1);

  if (last === undefined) {
    // Keep whatever sits between the brackets ("[ // nothing yet" + newline + "]"): only
    // the trailing blank space is replaced, so comments stay and the entry goes after them.
    const inner = containerIndent + style.indentUnit;
    const between = text.slice(open + 1, close);
    const kept = between.replace(/\s+$/, "");
    const content = `${kept}${style.eol}${inner}${prefix}${render(value, inner, style)}${style.eol}${containerIndent}`;
    return applyEdits(text, [{ offset: open + 1, length: close - open - 1, content }]);
  }
  const comma = findTrailingComma(text, last.offset + last.length, close);
  if (oneLine) {
    const entry = `${prefix}${JSON.stringify(value)}`;
    const edit: Edit = comma === undefined
      ? { offset: last.offset + last.length, length: 0, content: `, ${entry}` }
      : { offset: comma + 1, length: 0, content: ` ${entry},` };
    return applyEdits(text, [edit]);
  }
  const indent = onlyWhitespaceBefore(text, last.offset) ? lineIndent(text, last.offset) : containerIndent + style.indentUnit;
  const entry = `${prefix}${render(value, indent, style)}`;
  const after = comma === undefined ? last.offset + last.length : comma + 1;
  const lineEnd = endOfLineIfOnlyComment(text, after, close);
  const edits: Edit[] = comma === undefined
    ? [{ offset: after, length: 0, content: "," }, { offset: lineEnd, length: 0, content: `${style.eol}${indent}${entry}` }]
    : [{ offset: lineEnd, length: 0, content: `${style.eol}${indent}${entry},` }];
  return applyEdits(text, edits);
}

/** JSON for a value at a given indentation, in the file's indent unit and line ending. */
function render(value: unknown, indent: string, style: TextStyle): string {
  return JSON.stringify(value, null, style.indentUnit).split("\n").join(style.eol + indent);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function lineIndent(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset), offset))?.[0] ?? "";
}

function onlyWhitespaceBefore(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, offset), offset));
}

/** The offset of a comma between `from` and the container's closing bracket, skipping whitespace and comments. */
function findTrailingComma(text: string, from: number, close: number): number | undefined {
  let i = from;
  while (i < close) {
    const c = text[i];
    if (c === ",") return i;
    if (c === "/" && text[i + 1] === "/") { const nl = text.indexOf("\n", i); i = nl === -1 ? close : nl; continue; }
    if (c === "/" && text[i + 1] === "*") { const end = text.indexOf("*/", i + 2); i = end === -1 ? close : end + 2; continue; }
    if (c !== undefined && /\s/.test(c)) { i++; continue; }
    return undefined;
  }
  return undefined;
}

/** Where to put a new line after `from`: past a trailing comment on the same line, else `from` itself. */
function endOfLineIfOnlyComment(text: string, from: number, close: number): number {
  const nl = text.indexOf("\n", from);
  const end = nl === -1 || nl > close ? close : nl;
  const rest = text.slice(from, end).replace(/\r$/, "");
  return /^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)$/.test(rest) ? from + rest.length : from;
}
