import { describe, expect, it } from "vitest";
import { buildKeyIndex, entryAt, type KeyPath } from "../../../language-server/src/toml/key-index.ts";
import type { Span } from "../../../language-server/src/toml/positions.ts";

const slice = (text: string, s: Span | undefined): string | undefined => (s === undefined ? undefined : text.slice(s.start, s.end));

function spans(text: string, path: KeyPath): { key?: string; value?: string; header?: string; items?: string[] } {
  const e = entryAt(buildKeyIndex(text), path);
  if (e === undefined) throw new Error(`no entry at ${JSON.stringify(path)}`);
  const out: { key?: string; value?: string; header?: string; items?: string[] } = {};
  const key = slice(text, e.keySpan);
  const value = slice(text, e.valueSpan);
  const header = slice(text, e.headerSpan);
  if (key !== undefined) out.key = key;
  if (value !== undefined) out.value = value;
  if (header !== undefined) out.header = header;
  if (e.items) out.items = e.items.map((s) => text.slice(s.start, s.end));
  return out;
}

describe("buildKeyIndex", () => {
  it("maps table headers, keys, values and array items to their exact text", () => {
    const text = "schema_version = 1 # c\n\n[ project ]\nname   =   \"my-repo\"\n[allowlist]\nsecrets = [ \"A\" , 'B',\n  \"C\", # x\n]\n";
    expect(spans(text, ["schema_version"])).toEqual({ key: "schema_version", value: "1" });
    expect(spans(text, ["project"])).toEqual({ key: "project", value: "[ project ]", header: "[ project ]" });
    expect(spans(text, ["project", "name"])).toEqual({ key: "name", value: "\"my-repo\"" });
    expect(spans(text, ["allowlist", "secrets"]).items).toEqual(["\"A\"", "'B'", "\"C\""]);
    expect(spans(text, ["allowlist", "secrets", 2])).toEqual({ value: "\"C\"" });
    expect(entryAt(buildKeyIndex(text), ["allowlist", "secrets", 1])?.stringValue).toBe("B");
  });

  it("maps dotted keys, quoted keys and inline tables", () => {
    const text = "project.\"name\" = \"x\"\ncache = { ttl_seconds = 5, max_entries = 3 }\n";
    expect(spans(text, ["project", "name"])).toEqual({ key: "\"name\"", value: "\"x\"" });
    expect(spans(text, ["project"])).toEqual({ key: "project" });
    expect(spans(text, ["cache", "max_entries"])).toEqual({ key: "max_entries", value: "3" });
  });

  it("keeps multi-line strings whole, including brackets and '=' inside them", () => {
    const text = "a = \"\"\"x = [\n]\"\"\"\nb = '''y'''\nc = 1\n";
    expect(spans(text, ["a"]).value).toBe("\"\"\"x = [\n]\"\"\"");
    expect(spans(text, ["c"]).value).toBe("1");
    expect(buildKeyIndex(text).multilineStrings).toHaveLength(2);
  });

  it("stops an unclosed array at the next header so later tables keep their ranges", () => {
    const text = "[allowlist]\nsecrets = [\"A\",\n  \"B\"\n\n[cache]\nttl_seconds = 0\n";
    const index = buildKeyIndex(text);
    expect(index.problems.map((p) => [p.reason, slice(text, p.span)])).toEqual([["unclosed-array", "["]]);
    expect(spans(text, ["cache", "ttl_seconds"])).toEqual({ key: "ttl_seconds", value: "0" });
    expect(spans(text, ["allowlist", "secrets"]).items).toEqual(["\"A\"", "\"B\""]);
  });

  it("records a broken line as a problem and resumes on the next line", () => {
    const text = "name = \"open\nsecr\nkey =\nok = 1\n";
    const index = buildKeyIndex(text);
    expect(index.problems.map((p) => p.reason)).toEqual(["unclosed-string", "missing-equals", "missing-value"]);
    expect(spans(text, ["ok"]).value).toBe("1");
  });

  it("keeps the first definition of a key that is defined twice", () => {
    const text = "a = 1\na = 2\n";
    expect(spans(text, ["a"]).value).toBe("1");
  });
});
