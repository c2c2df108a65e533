import { describe, expect, it } from "vitest";
import { hover } from "../../../language-server/src/hover.ts";
import { parseDocument } from "../../../language-server/src/toml/parse.ts";
import { at } from "../../helpers/caret.ts";

function hoverAt(source: string, secrets?: Map<string, { name: string; hasValue: boolean }>) {
  const f = at(source);
  return hover(parseDocument(f.text, { folderName: "myrepo" }), f.offset, secrets);
}

describe("hover", () => {
  it("explains a cache key with its range and the broker default it caps", () => {
    const h = hoverAt("[cache]\nttl_se<|>conds = 60\n");
    expect(h).toEqual({
      contents: { kind: "markdown", value: "**cache.ttl_seconds**\n\nHow long a client may cache a fetched value, in seconds: `1`–`86400`.\n\nBroker default: `600`; a larger value here is capped to the broker's.\n\nRange: 1–86400. Broker default: 600 (a manifest can only lower it)." },
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 11 } },
    });
  });

  it("explains a value by its key, and a table header", () => {
    expect(hoverAt("[project]\ndescription = \"a<|>b\"\n")?.contents).toMatchObject({ value: expect.stringContaining("At most 256 characters.") as unknown });
    expect(hoverAt("[allow<|>list]\nsecrets = []\n")?.contents).toMatchObject({ value: expect.stringMatching(/^\*\*allowlist\*\* \(table\)\n\nThe secrets the project's container may fetch/) as unknown });
  });

  it("says whether a secret name has a value on this laptop once state is known", () => {
    const text = "[allowlist]\nsecrets = [\"A<|>\", \"B\"]\n";
    expect(hoverAt(text)?.contents).toEqual({ kind: "markdown", value: "**Secret name** `A`\n\nA secret name: 1 to 128 of A-Z a-z 0-9 _." });
    expect(hoverAt(text, new Map([["A", { name: "A", hasValue: true }]]))?.contents).toMatchObject({ value: expect.stringContaining("A value is stored on this laptop.") as unknown });
    expect(hoverAt(text, new Map())?.contents).toMatchObject({ value: expect.stringContaining("No value on this laptop yet") as unknown });
  });

  it("returns null for unknown keys, comments and blank space", () => {
    expect(hoverAt("[project]\nnm<|>e = 1\n")).toBeNull();
    expect(hoverAt("# com<|>ment\n")).toBeNull();
    expect(hoverAt("\n<|>\n")).toBeNull();
  });
});
