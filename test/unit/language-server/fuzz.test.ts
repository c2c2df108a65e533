import { fc, test as propTest } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { parseManifest, parseTomlText as parse } from "#protocol";
import type { Range } from "vscode-languageserver";
import { codeActions } from "../../../language-server/src/code-actions.ts";
import { codeLenses } from "../../../language-server/src/code-lens.ts";
import { commonSecretNames, complete } from "../../../language-server/src/complete.ts";
import { formatText } from "../../../language-server/src/format.ts";
import { hover } from "../../../language-server/src/hover.ts";
import { documentSymbols } from "../../../language-server/src/symbols.ts";
import { parseDocument } from "../../../language-server/src/toml/parse.ts";
import type { LineIndex } from "../../../language-server/src/toml/positions.ts";
import { validateDocument } from "../../../language-server/src/validate.ts";
import { loadManifestCorpus } from "../../helpers/lsp-client.ts";

// Mutated manifests through every pure feature: nothing throws, nothing hangs (vitest's timeout
// would fail the run), every range lies inside the document. SLOW=1 runs 50,000 cases.
const numRuns = process.env.SLOW === "1" ? 50_000 : 2_000;
// Generous on a loaded 2-core machine; a case that hangs still fails the run when this expires.
const timeoutMs = process.env.SLOW === "1" ? 1_800_000 : 120_000;
const seeds = loadManifestCorpus().map((c) => c.text);
const fragments = ["[", "]", "[[", "]]", "{", "}", "\"", "'", "\"\"\"", "'''", "=", ",", ".", "#", "\n", "\r\n", "\r", "\t", " ", "🔑", "é", "\\", "\\u00", "secrets", "project", "allowlist", "cache", "name", "ttl_seconds", "1", "-1", "1.5", "1e3", "true", "0x1F", "1979-05-27", "GITHUB_TOKEN", "\u0000", "\u007f", ".A", "{ a = 1 }", "[1, 2]", "[[x]]", "= {}", "-", "+inf", "nan"];

type Mutation = { kind: "insert"; at: number; text: string } | { kind: "delete"; at: number; len: number } | { kind: "dupLine"; at: number } | { kind: "truncate"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 6 }), fc.array(fc.constantFrom(...fragments), { maxLength: 5 }).map((a) => a.join(""))) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant("dupLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  switch (m.kind) {
    case "insert": return text.slice(0, at) + m.text + text.slice(at);
    case "delete": return text.slice(0, at) + text.slice(at + m.len);
    case "truncate": return text.slice(0, at);
    case "dupLine": {
      const lines = text.split("\n");
      const i = m.at % lines.length;
      lines.splice(i, 0, lines[i] ?? "");
      return lines.join("\n");
    }
  }
}

const mutatedManifest = fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([seed, ms]) => ms.reduce(mutate, seed));

function expectInside(lines: LineIndex, range: Range, what: string): void {
  const ok = (p: Range["start"]): boolean => p.line >= 0 && p.line < lines.lineCount && p.character >= 0 && p.character <= lines.lineEnd(p.line) - lines.lineStart(p.line);
  const ordered = range.start.line < range.end.line || (range.start.line === range.end.line && range.start.character <= range.end.character);
  if (!ok(range.start) || !ok(range.end) || !ordered) throw new Error(`${what} range ${JSON.stringify(range)} is outside the document`);
}

const uri = "file:///workspace/myrepo/.devcontainer/remo-broker.toml";
const secrets = new Map([["GITHUB_TOKEN", { name: "GITHUB_TOKEN", hasValue: true, lastFetchedAt: "2026-01-01T00:00:00.000Z" }]]);

describe("fuzz: mutated manifests through the pure pipeline", () => {
  propTest.prop([mutatedManifest, fc.nat()], { numRuns })("never throws and keeps every range inside the document", (text, n) => {
    const doc = parseDocument(text, { folderName: "myrepo" });
    const lines = doc.lines;
    const diagnostics = validateDocument(doc, uri, secrets);
    for (const d of diagnostics) {
      expectInside(lines, d.range, `diagnostic ${String(d.code)}`);
      expect(d.source).toBe("remo");
      expect(typeof d.message === "string" && d.message.length > 0).toBe(true);
      for (const r of d.relatedInformation ?? []) expectInside(lines, r.location.range, "related information");
    }
    // The editor and the broker agree: no error in the editor means the broker accepts the manifest,
    // and a manifest the broker rejects always shows an error in the editor.
    const editorErrors = diagnostics.filter((d) => d.severity === 1);
    const brokerAccepts = parseManifest(text, { folderName: "myrepo" }).manifest !== undefined;
    if (editorErrors.length === 0) expect(brokerAccepts).toBe(true);
    if (!brokerAccepts) expect(editorErrors.length).toBeGreaterThan(0);
    const offset = text.length === 0 ? 0 : n % (text.length + 1);
    const position = lines.positionAt(offset);
    for (const item of complete(doc, { offset, folderName: "myrepo", names: commonSecretNames.map((name) => ({ name, source: "common" as const })), snippets: true }).items) {
      if (item.textEdit && "range" in item.textEdit) expectInside(lines, item.textEdit.range, `completion ${item.label}`);
    }
    const h = hover(doc, offset, secrets);
    if (h?.range) expectInside(lines, h.range, "hover");
    for (const a of codeActions(doc, { uri, range: { start: position, end: position }, diagnostics, folderName: "myrepo" })) {
      for (const e of a.edit?.changes?.[uri] ?? []) expectInside(lines, e.range, `code action ${a.title}`);
    }
    const walk = (syms: ReturnType<typeof documentSymbols>): void => {
      for (const s of syms) {
        expectInside(lines, s.range, `symbol ${s.name}`);
        expectInside(lines, s.selectionRange, `symbol ${s.name} selection`);
        walk(s.children ?? []);
      }
    };
    walk(documentSymbols(doc));
    for (const l of codeLenses(doc, secrets, Date.now())) expectInside(lines, l.range, "code lens");
    const formatted = formatText(doc);
    if (formatted !== undefined) {
      expect(formatText(parseDocument(formatted, { folderName: "myrepo" }))).toBe(formatted);
      expect(parse(formatted)).toEqual(parse(text));
    }
  }, timeoutMs);

  propTest.prop([fc.string({ unit: "binary", maxLength: 400 })], { numRuns: Math.floor(numRuns / 3) })("survives arbitrary text", (text) => {
    const doc = parseDocument(text, {});
    for (const d of validateDocument(doc, uri, new Map())) expectInside(doc.lines, d.range, `diagnostic ${String(d.code)}`);
    documentSymbols(doc);
    formatText(doc);
  }, timeoutMs);
});
