// The manifest grammar, tokenized by the engine VS Code itself uses (vscode-textmate +
// vscode-oniguruma), so highlighting works with no TOML extension installed.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as oniguruma from "vscode-oniguruma";
import { INITIAL, parseRawGrammar, Registry, type IGrammar } from "vscode-textmate";

const root = join(import.meta.dirname, "..", "..", "..");
let grammar: IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(join(createRequire(import.meta.url).resolve("vscode-oniguruma"), "..", "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: (scope) => Promise.resolve(scope === "source.remo-manifest"
      ? parseRawGrammar(readFileSync(join(root, "syntaxes", "remo-manifest.tmLanguage.json"), "utf8"), "remo-manifest.tmLanguage.json")
      : null),
  });
  const g = await registry.loadGrammar("source.remo-manifest");
  if (g === null) throw new Error("grammar did not load");
  grammar = g;
});

/** [text, innermost scope] for every token of every line. */
function tokens(text: string): [string, string][] {
  let state = INITIAL;
  const out: [string, string][] = [];
  for (const line of text.split("\n")) {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      const s = line.slice(t.startIndex, t.endIndex);
      if (s.trim() !== "") out.push([s, t.scopes[t.scopes.length - 1] ?? ""]);
    }
    state = r.ruleStack;
  }
  return out;
}

describe("remo-manifest grammar", () => {
  it("scopes a manifest's comments, tables, keys, strings and numbers", () => {
    expect(tokens("# secrets for app\nschema_version = 1\n[allowlist]\nsecrets = [\"A\", 'B'] # trailing")).toEqual([
      ["#", "punctuation.definition.comment.toml"],
      [" secrets for app", "comment.line.number-sign.toml"],
      ["schema_version", "variable.other.key.toml"],
      ["=", "keyword.operator.assignment.toml"],
      ["1", "constant.numeric.toml"],
      ["[", "punctuation.definition.table.toml"],
      ["allowlist", "entity.name.section.toml"],
      ["]", "punctuation.definition.table.toml"],
      ["secrets", "variable.other.key.toml"],
      ["=", "keyword.operator.assignment.toml"],
      ["[", "punctuation.definition.array.begin.toml"],
      ["\"", "punctuation.definition.string.begin.toml"],
      ["A", "string.quoted.double.basic.toml"],
      ["\"", "punctuation.definition.string.end.toml"],
      [",", "punctuation.separator.array.toml"],
      ["'", "punctuation.definition.string.begin.toml"],
      ["B", "string.quoted.single.literal.toml"],
      ["'", "punctuation.definition.string.end.toml"],
      ["]", "punctuation.definition.array.end.toml"],
      ["#", "punctuation.definition.comment.toml"],
      [" trailing", "comment.line.number-sign.toml"],
    ]);
  });

  it("keeps a multi-line array open across lines and ends it", () => {
    const t = tokens("secrets = [\n  \"A\", # first\n  \"B\",\n]\nname = \"x\"");
    expect(t.filter(([, s]) => s.startsWith("string")).map(([x]) => x)).toEqual(["A", "B", "x"]);
    expect(t.find(([x]) => x === " first")?.[1]).toBe("comment.line.number-sign.toml");
    expect(t.find(([x]) => x === "name")?.[1]).toBe("variable.other.key.toml");
  });

  it("scopes inline tables, dotted keys, booleans, dates and escapes", () => {
    const t = tokens("cache = { ttl_seconds = 600, on = true }\na.\"b\" = 1979-05-27T07:32:00Z\ns = \"x\\ty\\q\"");
    expect(t).toContainEqual(["ttl_seconds", "variable.other.key.toml"]);
    expect(t).toContainEqual(["true", "constant.language.boolean.toml"]);
    expect(t).toContainEqual(["}", "punctuation.definition.table.inline.end.toml"]);
    expect(t).toContainEqual(["\"b\"", "variable.other.key.toml"]);
    expect(t.filter(([, s]) => s === "string.quoted.double.basic.toml").map(([x]) => x)).toEqual(["x", "y"]);
    expect(t).toContainEqual(["1979-05-27T07:32:00Z", "constant.other.date.toml"]);
    expect(t).toContainEqual(["\\t", "constant.character.escape.toml"]);
    expect(t).toContainEqual(["\\q", "invalid.illegal.escape.toml"]);
  });

  it("marks text that is not TOML as invalid", () => {
    expect(tokens("this is not toml")).toEqual([["this", "invalid.illegal.toml"], ["is", "invalid.illegal.toml"], ["not", "invalid.illegal.toml"], ["toml", "invalid.illegal.toml"]]);
  });
});
