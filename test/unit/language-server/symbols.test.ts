import { describe, expect, it } from "vitest";
import { SymbolKind } from "vscode-languageserver";
import { documentSymbols } from "../../../language-server/src/symbols.ts";
import { parseDocument } from "../../../language-server/src/toml/parse.ts";

describe("documentSymbols", () => {
  it("lists tables with their keys and each secret name under secrets", () => {
    const text = "schema_version = 1\n[project]\nname = \"myrepo\"\n[allowlist]\nsecrets = [\"A\", \"B\"]\n";
    const tree = (syms: ReturnType<typeof documentSymbols>): unknown[] => syms.map((s) => [s.name, s.kind, s.detail, ...(s.children?.length ? [tree(s.children)] : [])]);
    expect(tree(documentSymbols(parseDocument(text, {})))).toEqual([
      ["schema_version", SymbolKind.Property, "1"],
      ["project", SymbolKind.Namespace, undefined, [["name", SymbolKind.Property, "\"myrepo\""]]],
      ["allowlist", SymbolKind.Namespace, undefined, [["secrets", SymbolKind.Array, undefined, [["A", SymbolKind.Constant, undefined], ["B", SymbolKind.Constant, undefined]]]]],
    ]);
  });

  it("gives each symbol a range that contains its selection range", () => {
    const syms = documentSymbols(parseDocument("[project]\nname = \"x\"\ndescription = \"y\"\n", {}));
    expect(syms[0]?.range).toEqual({ start: { line: 0, character: 0 }, end: { line: 2, character: 17 } });
    expect(syms[0]?.selectionRange).toEqual({ start: { line: 0, character: 1 }, end: { line: 0, character: 8 } });
  });
});
