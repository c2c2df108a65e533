import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from "vscode-languageserver";
import { DIAGNOSTIC_SOURCE, DiagnosticCode, secretNamePattern, type DuplicateSecretData, type ManifestIssue } from "#protocol";
import { SECRET_VALUE_MISSING, type SecretState } from "#protocol/lsp";
import { entryAt, type KeyPath } from "./toml/key-index.ts";
import type { ParsedManifest } from "./toml/parse.ts";
import type { Span } from "./toml/positions.ts";

/** The laptop's secret state as the server holds it; undefined until the client sends it. */
export type SecretStateMap = ReadonlyMap<string, SecretState>;

/**
 * Turns a parsed manifest into LSP diagnostics with exact ranges: syntax errors where the
 * parser stopped, schema and rule findings on the key or value they are about, and (once the
 * client has sent secret state) a warning on each allowlisted name with no value. Pure.
 */
export function validateDocument(doc: ParsedManifest, uri: string, secrets?: SecretStateMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of doc.syntax) {
    out.push({ range: doc.lines.rangeOf(s.span), severity: DiagnosticSeverity.Error, code: DiagnosticCode.tomlSyntax, source: DIAGNOSTIC_SOURCE, message: s.message });
  }
  const duplicates: ManifestIssue[] = [];
  for (const issue of doc.issues) {
    if (issue.code === DiagnosticCode.duplicateSecret) {
      duplicates.push(issue);
      continue;
    }
    out.push({
      range: doc.lines.rangeOf(spanOfIssue(doc, issue)),
      severity: issue.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      code: issue.code,
      source: DIAGNOSTIC_SOURCE,
      message: issue.message,
      ...(issue.data === undefined ? {} : { data: issue.data }),
    });
  }
  out.push(...duplicateDiagnostics(doc, uri, duplicates));
  if (secrets !== undefined) out.push(...missingValueDiagnostics(doc, secrets));
  // Document order: what the Problems panel shows and what golden files compare.
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || String(a.code).localeCompare(String(b.code)));
}

/** The span a finding is about: the key, the value, or the table (header, or document start). */
export function spanOfIssue(doc: ParsedManifest, issue: ManifestIssue): Span {
  const entry = entryAt(doc.index, issue.path);
  switch (issue.target) {
    case "key":
      if (entry?.keySpan !== undefined) return entry.keySpan;
      break;
    case "value":
      if (entry?.valueSpan !== undefined) return entry.valueSpan;
      if (entry?.keySpan !== undefined) return entry.keySpan;
      break;
    case "table":
      if (issue.path.length === 0) return { start: 0, end: 0 };
      if (entry?.headerSpan !== undefined) return entry.headerSpan;
      if (entry?.keySpan !== undefined) return entry.keySpan;
      break;
  }
  return nearestAncestorSpan(doc, issue.path);
}

function nearestAncestorSpan(doc: ParsedManifest, path: KeyPath): Span {
  for (let n = path.length - 1; n > 0; n--) {
    const e = entryAt(doc.index, path.slice(0, n));
    const span = e?.headerSpan ?? e?.keySpan;
    if (span !== undefined) return span;
  }
  return { start: 0, end: 0 };
}

function duplicateDiagnostics(doc: ParsedManifest, uri: string, issues: ManifestIssue[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const related = new Map<number, DiagnosticRelatedInformation[]>();
  const fallback = (): Span => entryAt(doc.index, ["allowlist", "secrets"])?.valueSpan ?? { start: 0, end: 0 };
  const itemSpan = (i: number): Span => entryAt(doc.index, ["allowlist", "secrets", i])?.valueSpan ?? fallback();
  for (const issue of issues) {
    const data = issue.data as unknown as DuplicateSecretData;
    const first = itemSpan(data.firstIndex);
    const range = doc.lines.rangeOf(itemSpan(data.index));
    out.push({
      range, severity: DiagnosticSeverity.Error, code: issue.code, source: DIAGNOSTIC_SOURCE, message: issue.message, data,
      relatedInformation: [{ location: { uri, range: doc.lines.rangeOf(first) }, message: `First listed here as item ${data.firstIndex + 1}.` }],
    });
    const list = related.get(data.firstIndex) ?? [];
    list.push({ location: { uri, range }, message: `Listed again as item ${data.index + 1}.` });
    related.set(data.firstIndex, list);
  }
  for (const [firstIndex, rel] of related) {
    const name = (issues.find((i) => (i.data as unknown as DuplicateSecretData).firstIndex === firstIndex)?.data as unknown as DuplicateSecretData).name;
    out.push({
      range: doc.lines.rangeOf(itemSpan(firstIndex)), severity: DiagnosticSeverity.Information, code: DiagnosticCode.duplicateSecret, source: DIAGNOSTIC_SOURCE,
      message: `"${name}" is listed ${rel.length + 1} times; this first entry is kept. Remove the later ${rel.length === 1 ? "copy" : "copies"}.`,
      data: { name, firstIndex, index: firstIndex, isFirst: true } satisfies DuplicateSecretData, relatedInformation: rel,
    });
  }
  return out;
}

/** The allowlisted names as the document holds them, with their item spans (first occurrence only). */
export function allowlistItems(doc: ParsedManifest): { name: string; span: Span; index: number }[] {
  const secrets = (doc.value?.allowlist as { secrets?: unknown } | undefined)?.secrets;
  if (!Array.isArray(secrets)) return [];
  const seen = new Set<string>();
  const out: { name: string; span: Span; index: number }[] = [];
  secrets.forEach((name: unknown, index) => {
    if (typeof name !== "string" || seen.has(name)) return;
    seen.add(name);
    const span = entryAt(doc.index, ["allowlist", "secrets", index])?.valueSpan;
    if (span !== undefined) out.push({ name, span, index });
  });
  return out;
}

function missingValueDiagnostics(doc: ParsedManifest, secrets: SecretStateMap): Diagnostic[] {
  // Decide from the parsed value first: when every name has a value, no position map is needed.
  const listed = (doc.value?.allowlist as { secrets?: unknown } | undefined)?.secrets;
  if (!Array.isArray(listed) || listed.every((n: unknown) => typeof n !== "string" || secrets.get(n)?.hasValue === true || !secretNamePattern.test(n))) return [];
  return allowlistItems(doc)
    .filter((item) => secretNamePattern.test(item.name) && secrets.get(item.name)?.hasValue !== true)
    .map((item) => ({
      range: doc.lines.rangeOf(item.span), severity: DiagnosticSeverity.Warning, code: SECRET_VALUE_MISSING, source: DIAGNOSTIC_SOURCE,
      message: `No value for "${item.name}" on this laptop, so a push would leave it unset. Use the quick fix "Set value…" to store one.`,
      data: { name: item.name },
    }));
}
