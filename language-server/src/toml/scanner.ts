// The tolerant TOML scanner behind key-index.ts: one pass, charCode-based, no regex per char.
import { pathKey, type KeyEntry, type KeyPath, type TomlKeyIndex } from "./key-types.ts";
import type { Span } from "./positions.ts";

const isBareKeyChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
const isWs = (c: number): boolean => c === 32 || c === 9;
const isNl = (c: number): boolean => c === 10 || c === 13;

// A line that starts a new statement: a table header or `key =`. Used to stop an unclosed
// array or inline table from swallowing the rest of the file while the user is typing.
const headerLine = /^[ \t]*\[\[?[ \t]*[A-Za-z_"'][A-Za-z0-9_."' \t-]*\]\]?[ \t]*(#.*)?$/;
const keyValueLine = /^[ \t]*[A-Za-z0-9_-]+[ \t]*(\.[ \t]*[A-Za-z0-9_-]+[ \t]*)*=/;

/** Scans `text` into a position map (see buildKeyIndex in key-index.ts). */
export function scanToml(text: string): TomlKeyIndex {
  return new Scanner(text).run();
}

interface KeySegment {
  name: string;
  span: Span;
}

class Scanner {
  private pos = 0;
  private table: KeyPath = [];
  private readonly index: TomlKeyIndex = { entries: new Map(), ordered: [], statements: [], multilineStrings: [], comments: [], problems: [] };
  private lastTable: KeyEntry | undefined;

  private readonly hasCr: boolean;

  constructor(private readonly text: string) {
    this.hasCr = text.includes("\r");
  }

  run(): TomlKeyIndex {
    const t = this.text;
    while (true) {
      this.skipTrivia(true);
      if (this.pos >= t.length) break;
      const start = this.pos;
      const c = t.charCodeAt(start);
      const ok = c === 91 /* [ */ ? this.header() : this.keyValue();
      if (!ok) {
        // An unclosed array stops at the start of the line that begins the next statement: keep that line.
        const atLineStart = this.pos > start && isNl(t.charCodeAt(this.pos - 1));
        if (!atLineStart) this.skipToLineEnd();
        const last = this.index.statements.at(-1);
        if (last?.span.start === start) last.span.end = Math.max(last.span.end, this.pos);
        else this.index.statements.push({ span: { start, end: this.pos }, kind: "junk" });
        continue;
      }
      this.skipWs();
      if (this.peek() === 35 /* # */) this.comment();
      if (this.pos < t.length && !isNl(this.peek())) {
        // Trailing garbage after a complete statement: smol-toml reports it; keep the map.
        this.skipToLineEnd();
      }
    }
    this.closeTable();
    return this.index;
  }

  private peek(offset = 0): number {
    return this.text.charCodeAt(this.pos + offset);
  }

  private skipWs(): void {
    while (this.pos < this.text.length && isWs(this.peek())) this.pos++;
  }

  private skipTrivia(newlines: boolean): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = this.peek();
      if (isWs(c) || (newlines && isNl(c))) this.pos++;
      else if (c === 35) this.comment();
      else break;
    }
  }

  private comment(): void {
    const start = this.pos;
    this.skipToLineEnd();
    this.index.comments.push({ start, end: this.pos });
  }

  private skipToLineEnd(): void {
    const t = this.text;
    if (!this.hasCr) {
      // indexOf is much faster than a char loop on long comment-heavy files.
      const nl = t.indexOf("\n", this.pos);
      this.pos = nl === -1 ? t.length : nl;
      return;
    }
    while (this.pos < t.length && !isNl(t.charCodeAt(this.pos))) this.pos++;
  }

  private lineRest(): string {
    let end = this.pos;
    while (end < this.text.length && !isNl(this.text.charCodeAt(end))) end++;
    return this.text.slice(this.pos, end);
  }

  private add(entry: KeyEntry): KeyEntry {
    const k = pathKey(entry.path);
    // The first definition wins: smol-toml rejects redefinitions, and the first is where the user looks.
    if (!this.index.entries.has(k)) this.index.entries.set(k, entry);
    this.index.ordered.push(entry);
    return entry;
  }

  private ensureImplicit(path: KeyPath, seg: KeySegment): void {
    if (this.index.entries.has(pathKey(path))) return;
    this.add({ path, kind: "implicit-table", keySpan: seg.span, fullSpan: seg.span });
  }

  /** Records the tables a dotted key defines implicitly (`a.b.c = 1` defines a and a.b). */
  private implicitParents(segs: readonly KeySegment[], full: KeyPath, base: number): void {
    segs.slice(0, -1).forEach((seg, i) => { this.ensureImplicit(full.slice(0, base + i + 1), seg); });
  }

  private closeTable(): void {
    if (this.lastTable === undefined) return;
    const last = this.index.statements.at(-1);
    if (last !== undefined && last.span.end > this.lastTable.fullSpan.end) this.lastTable.fullSpan.end = last.span.end;
    this.lastTable = undefined;
  }

  private header(): boolean {
    const start = this.pos;
    const isArray = this.peek(1) === 91;
    this.pos += isArray ? 2 : 1;
    this.skipWs();
    const segs = this.key();
    if (segs === undefined) {
      this.problem(start, "bad-header");
      return false;
    }
    this.skipWs();
    if (this.peek() !== 93 || (isArray && this.peek(1) !== 93)) {
      this.problem(start, "bad-header");
      return false;
    }
    this.pos += isArray ? 2 : 1;
    this.closeTable();
    const path = segs.map((s) => s.name);
    this.implicitParents(segs, path, 0);
    const headerSpan = { start, end: this.pos };
    const last = lastOf(segs);
    const existing = this.index.entries.get(pathKey(path));
    const entry: KeyEntry = { path, kind: "table", keySpan: last.span, valueSpan: headerSpan, headerSpan, fullSpan: { ...headerSpan } };
    if (existing?.kind === "implicit-table") {
      // `a.b = 1` before `[a]` is a redefinition smol-toml reports; prefer the header for ranges.
      this.index.entries.delete(pathKey(path));
    }
    this.add(entry);
    this.lastTable = entry;
    this.table = path;
    this.index.statements.push({ span: headerSpan, kind: "header" });
    return true;
  }

  private problem(start: number, reason: TomlKeyIndex["problems"][number]["reason"]): void {
    this.index.problems.push({ span: { start, end: Math.max(start + 1, this.pos) }, reason });
  }

  private keyValue(): boolean {
    const start = this.pos;
    const segs = this.key();
    if (segs === undefined) {
      this.problem(start, "bad-key");
      return false;
    }
    this.skipWs();
    if (this.peek() !== 61 /* = */) {
      this.problem(start, "missing-equals");
      return false;
    }
    this.pos++;
    this.skipWs();
    const path = [...this.table, ...segs.map((s) => s.name)];
    this.implicitParents(segs, path, this.table.length);
    const entry = this.add({ path, kind: "value", keySpan: lastOf(segs).span, fullSpan: { start, end: start } });
    const value = this.value(() => path, entry);
    const end = value?.end ?? this.pos;
    entry.fullSpan = { start, end };
    if (value !== undefined) entry.valueSpan = value;
    this.index.statements.push({ span: { start, end }, kind: "key-value" });
    return value !== undefined;
  }

  /** A dotted key; undefined when the text here is not a key. */
  private key(): KeySegment[] | undefined {
    const segs: KeySegment[] = [];
    while (true) {
      const seg = this.keySegment();
      if (seg === undefined) return undefined;
      segs.push(seg);
      const save = this.pos;
      this.skipWs();
      if (this.peek() === 46 /* . */) {
        this.pos++;
        this.skipWs();
        continue;
      }
      this.pos = save;
      return segs;
    }
  }

  private keySegment(): KeySegment | undefined {
    const start = this.pos;
    const c = this.peek();
    if (c === 34 || c === 39) {
      const s = this.singleLineString(c);
      return s === undefined ? undefined : { name: s, span: { start, end: this.pos } };
    }
    while (this.pos < this.text.length && isBareKeyChar(this.peek())) this.pos++;
    if (this.pos === start) return undefined;
    return { name: this.text.slice(start, this.pos), span: { start, end: this.pos } };
  }

  /** A one-line basic or literal string starting at the quote; its decoded text, or undefined if unclosed. */
  private singleLineString(quote: number): string | undefined {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    // Fast path: no escapes, so the decoded text is a slice (most names); avoids building it char by char.
    const close = t.indexOf(quote === 34 ? "\"" : "'", this.pos);
    if (close !== -1) {
      const body = t.slice(this.pos, close);
      if (!body.includes("\n") && !body.includes("\r") && (quote === 39 || !body.includes("\\"))) {
        this.pos = close + 1;
        return body;
      }
    }
    let out = "";
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (isNl(c)) break;
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c === 92 /* \ */ && quote === 34) {
        const n = t.charCodeAt(this.pos + 1);
        const simple: Record<number, string> = { 98: "\b", 116: "\t", 110: "\n", 102: "\f", 114: "\r", 34: "\"", 92: "\\", 101: "\u001b" };
        const mapped = simple[n];
        if (mapped !== undefined) {
          out += mapped;
          this.pos += 2;
          continue;
        }
        if (n === 117 || n === 85) {
          const len = n === 117 ? 4 : 8;
          const hex = t.slice(this.pos + 2, this.pos + 2 + len);
          const cp = /^[0-9A-Fa-f]+$/.test(hex) && hex.length === len ? Number.parseInt(hex, 16) : Number.NaN;
          out += Number.isNaN(cp) || cp > 0x10ffff ? "" : String.fromCodePoint(cp);
          this.pos += 2 + len;
          continue;
        }
        this.pos += 2;
        continue;
      }
      out += t.charAt(this.pos);
      this.pos++;
    }
    this.problem(start, "unclosed-string");
    return undefined;
  }

  private multilineString(quote: number): boolean {
    const t = this.text;
    const start = this.pos;
    this.pos += 3;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 92 && quote === 34) {
        this.pos += 2;
        continue;
      }
      if (c === quote && t.charCodeAt(this.pos + 1) === quote && t.charCodeAt(this.pos + 2) === quote) {
        this.pos += 3;
        // Up to two more quotes belong to the content (TOML allows """"" endings).
        while (this.pos < t.length && t.charCodeAt(this.pos) === quote && this.pos - start < t.length) {
          if (t.charCodeAt(this.pos + 1) === quote && t.charCodeAt(this.pos + 2) === quote) break;
          this.pos++;
        }
        this.index.multilineStrings.push({ start, end: this.pos });
        return true;
      }
      this.pos++;
    }
    this.problem(start, "unclosed-string");
    this.index.multilineStrings.push({ start, end: this.pos });
    return false;
  }

  /** A value at the cursor; returns its span, or undefined when it is broken (problem recorded). */
  private value(pathOf: () => KeyPath, entry: KeyEntry): Span | undefined {
    const t = this.text;
    const start = this.pos;
    const c = this.peek();
    if (c === 34 || c === 39) {
      if (this.peek(1) === c && this.peek(2) === c) {
        return this.multilineString(c) ? { start, end: this.pos } : undefined;
      }
      const s = this.singleLineString(c);
      if (s === undefined) return undefined;
      entry.stringValue = s;
      return { start, end: this.pos };
    }
    if (c === 91) return this.array(pathOf(), entry);
    if (c === 123) return this.inlineTable(pathOf());
    while (this.pos < t.length) {
      const d = t.charCodeAt(this.pos);
      if (isNl(d) || d === 44 || d === 93 || d === 125 || d === 35) break;
      this.pos++;
    }
    let end = this.pos;
    while (end > start && isWs(t.charCodeAt(end - 1))) end--;
    if (end === start) {
      this.problem(start, "missing-value");
      return undefined;
    }
    this.pos = end;
    return { start, end };
  }

  /** Cheap pre-check: array items usually start with a quote, which no statement does. */
  private mayStartStatement(): boolean {
    let p = this.pos;
    while (p < this.text.length && isWs(this.text.charCodeAt(p))) p++;
    const c = this.text.charCodeAt(p);
    return c === 91 || isBareKeyChar(c);
  }

  /** True when the line after the cursor's newline looks like a new statement, not array content. */
  private nextLineStartsStatement(): boolean {
    const rest = this.lineRest();
    return headerLine.test(rest) || keyValueLine.test(rest);
  }

  private skipInsideBrackets(): boolean {
    // Skips whitespace, newlines and comments inside an array; false if a new statement begins.
    const t = this.text;
    while (this.pos < t.length) {
      const c = this.peek();
      if (isWs(c)) this.pos++;
      else if (c === 35) this.comment();
      else if (isNl(c)) {
        this.pos += c === 13 && this.peek(1) === 10 ? 2 : 1;
        if (this.mayStartStatement() && this.nextLineStartsStatement()) return false;
      } else break;
    }
    return true;
  }

  private array(path: KeyPath, entry: KeyEntry): Span | undefined {
    const start = this.pos;
    this.pos++;
    const items: Span[] = [];
    const itemEntries: KeyEntry[] = [];
    entry.items = items;
    entry.itemEntries = itemEntries;
    while (true) {
      if (!this.skipInsideBrackets() || this.pos >= this.text.length) { this.unclosed(start, "unclosed-array"); return; }
      if (this.peek() === 93) {
        this.pos++;
        return { start, end: this.pos };
      }
      const item = new ItemEntry(path, items.length, this.pos);
      const span = this.value(() => item.path, item);
      if (span === undefined) { this.unclosed(start, "unclosed-array"); return; }
      item.valueSpan = span;
      item.fullSpan = span;
      items.push(span);
      itemEntries.push(item);
      this.index.ordered.push(item);
      if (!this.skipInsideBrackets() || this.pos >= this.text.length) { this.unclosed(start, "unclosed-array"); return; }
      const d = this.peek();
      if (d === 44) this.pos++;
      else if (d !== 93) { this.unclosed(start, "unclosed-array"); return; }
    }
  }

  private unclosed(start: number, reason: "unclosed-array" | "unclosed-inline-table"): undefined {
    this.index.problems.push({ span: { start, end: start + 1 }, reason });
    return undefined;
  }

  private inlineTable(path: KeyPath): Span | undefined {
    const start = this.pos;
    this.pos++;
    while (true) {
      this.skipWs();
      if (this.pos >= this.text.length || isNl(this.peek())) { this.unclosed(start, "unclosed-inline-table"); return; }
      if (this.peek() === 125) {
        this.pos++;
        return { start, end: this.pos };
      }
      const keyStart = this.pos;
      const segs = this.key();
      if (segs === undefined) { this.unclosed(start, "unclosed-inline-table"); return; }
      this.skipWs();
      if (this.peek() !== 61) { this.unclosed(start, "unclosed-inline-table"); return; }
      this.pos++;
      this.skipWs();
      const full = [...path, ...segs.map((s) => s.name)];
      this.implicitParents(segs, full, path.length);
      const entry = this.add({ path: full, kind: "value", keySpan: lastOf(segs).span, fullSpan: { start: keyStart, end: keyStart } });
      const span = this.value(() => full, entry);
      if (span === undefined) { this.unclosed(start, "unclosed-inline-table"); return; }
      entry.valueSpan = span;
      entry.fullSpan = { start: keyStart, end: span.end };
      this.skipWs();
      if (this.peek() === 44) this.pos++;
      else if (this.peek() !== 125) { this.unclosed(start, "unclosed-inline-table"); return; }
    }
  }
}

/** An array item; its path is built only when asked for (a 10,000-name allowlist would allocate 10,000 arrays). */
class ItemEntry implements KeyEntry {
  readonly kind = "item";
  fullSpan: Span;
  valueSpan?: Span;
  items?: Span[];
  itemEntries?: KeyEntry[];
  stringValue?: string;
  private cachedPath: KeyPath | undefined;

  constructor(private readonly parentPath: KeyPath, private readonly itemIndex: number, at: number) {
    this.fullSpan = { start: at, end: at };
  }

  get path(): KeyPath {
    return (this.cachedPath ??= [...this.parentPath, this.itemIndex]);
  }
}

function lastOf(segs: readonly KeySegment[]): KeySegment {
  const last = segs[segs.length - 1];
  if (last === undefined) throw new Error("a key has at least one segment");
  return last;
}
