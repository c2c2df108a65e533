import { SymbolKind, type DocumentSymbol } from "vscode-languageserver";
import type { KeyEntry } from "./toml/key-index.ts";
import type { ParsedManifest } from "./toml/parse.ts";

/** The outline: tables with their keys, and each allowlisted secret name under `secrets`. */
export function documentSymbols(doc: ParsedManifest): DocumentSymbol[] {
  const roots: DocumentSymbol[] = [];
  const byPath = new Map<string, DocumentSymbol>();
  const seen = new Set<KeyEntry>();
  for (const e of doc.index.ordered) {
    if (seen.has(e)) continue;
    seen.add(e);
    const span = e.kind === "item" ? e.valueSpan : e.fullSpan;
    const selection = e.kind === "item" ? e.valueSpan : e.keySpan ?? e.headerSpan;
    if (span === undefined || selection === undefined) continue;
    const name = e.kind === "item" ? (e.stringValue ?? doc.text.slice(span.start, span.end)) : String(e.path.at(-1));
    if (name === "") continue;
    const sym: DocumentSymbol = {
      name, kind: kindOf(e), range: doc.lines.rangeOf(span), selectionRange: doc.lines.rangeOf(selection), children: [],
      ...(e.kind === "value" && e.items === undefined && e.valueSpan !== undefined ? { detail: doc.text.slice(e.valueSpan.start, Math.min(e.valueSpan.end, e.valueSpan.start + 60)) } : {}),
    };
    const key = JSON.stringify(e.path);
    if (byPath.has(key)) continue;
    byPath.set(key, sym);
    const parent = byPath.get(JSON.stringify(e.path.slice(0, -1)));
    (parent?.children ?? roots).push(sym);
  }
  return roots;
}

function kindOf(e: KeyEntry): SymbolKind {
  switch (e.kind) {
    case "table": case "implicit-table": return SymbolKind.Namespace;
    case "item": return SymbolKind.Constant;
    case "value": return e.items === undefined ? SymbolKind.Property : SymbolKind.Array;
  }
}
