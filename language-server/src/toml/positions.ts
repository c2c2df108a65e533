import type { Position, Range } from "vscode-languageserver";

/** A half-open span of UTF-16 code unit offsets into a document's text. */
export interface Span {
  start: number;
  end: number;
}

/**
 * The one place that turns text offsets into LSP positions. LSP positions count UTF-16
 * code units (the default `positionEncoding`), which is exactly what JavaScript string
 * indexes count, so a surrogate pair (an emoji) is two characters wide on both sides.
 * Line breaks are \n, \r\n and a lone \r, as in vscode-languageserver-textdocument.
 */
export class LineIndex {
  private readonly lineStarts: number[];

  /** Indexes `text`'s line starts once; lookups are then O(log lines). */
  constructor(readonly text: string) {
    const starts = [0];
    if (!text.includes("\r")) {
      // The common case: indexOf walks the text far faster than a char loop.
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  /** How many lines the text has (an empty text has one). */
  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The offset where 0-based `line` starts (clamped to the text). */
  lineStart(line: number): number {
    if (line < 0) return 0;
    return this.lineStarts[line] ?? this.text.length;
  }

  /** The offset where `line`'s content ends, before its line break. */
  lineEnd(line: number): number {
    const next = this.lineStarts[line + 1];
    if (next === undefined) return this.text.length;
    let end = next - 1;
    if (this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13 && end - 1 >= this.lineStart(line)) end--;
    return end;
  }

  /** The 0-based line holding `offset`. */
  lineAt(offset: number): number {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= o) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The LSP position (UTF-16 columns) of an offset, clamped into the text. */
  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineAt(o);
    return { line, character: Math.min(o, this.lineEnd(line)) - this.lineStart(line) };
  }

  /** The offset of an LSP position, clamped to its line's content. */
  offsetAt(position: Position): number {
    if (position.line >= this.lineStarts.length) return this.text.length;
    if (position.line < 0) return 0;
    const start = this.lineStart(position.line);
    return Math.max(start, Math.min(start + position.character, this.lineEnd(position.line)));
  }

  /** The LSP range of a span. */
  rangeOf(span: Span): Range {
    return { start: this.positionAt(span.start), end: this.positionAt(span.end) };
  }

  /**
   * The offset of a parser's 1-based line and column. smol-toml counts lines split on
   * /\r?\n/ and columns in UTF-16 units, the same as ours except for a lone \r.
   */
  offsetOfLineColumn(line1: number, column1: number): number {
    return this.offsetAt({ line: line1 - 1, character: column1 - 1 });
  }
}
