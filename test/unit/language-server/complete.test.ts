import { describe, expect, it } from "vitest";
import { complete, type NameSource } from "../../../language-server/src/complete.ts";
import { parseDocument } from "../../../language-server/src/toml/parse.ts";
import { at } from "../../helpers/caret.ts";

const names: NameSource[] = [
  { name: "MY_LAPTOP_TOKEN", source: "laptop", hasValue: true },
  { name: "TEAM_API_KEY", source: "workspace" },
  { name: "GITHUB_TOKEN", source: "common" },
  { name: "NPM_TOKEN", source: "common" },
  { name: "NPM_TOKEN", source: "workspace" },
  { name: "not-valid", source: "workspace" },
];

function completeAt(source: string, opts: { snippets?: boolean; folderName?: string } = {}) {
  const f = at(source);
  const doc = parseDocument(f.text, { folderName: "myrepo" });
  return complete(doc, { offset: f.offset, folderName: opts.folderName ?? "myrepo", names, snippets: opts.snippets ?? true }).items;
}

describe("complete", () => {
  it("offers a whole manifest with the folder's name in an empty file", () => {
    const [item, ...rest] = completeAt("<|>", { snippets: false, folderName: "My Repo" });
    expect(rest).toEqual([]);
    expect(item?.label).toBe("Remo manifest");
    expect(item?.textEdit).toEqual({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: "schema_version = 1\n\n[project]\nname = \"my-repo\"\n\n[allowlist]\nsecrets = []\n" });
  });

  it("offers top-level keys and tables not yet present at the start of a line", () => {
    const items = completeAt("schema_version = 1\n<|>\n[allowlist]\nsecrets = []\n");
    expect(items.map((i) => i.label)).toEqual(["[project]", "[cache]"]);
    expect(items[0]?.textEdit).toEqual({ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, newText: "[project]\nname = \"${1:myrepo}\"" });
  });

  it("offers schema_version when it is missing, and the keys of the table the cursor is in", () => {
    expect(completeAt("<|>\n[project]\nname = \"myrepo\"\n").map((i) => i.label)).toEqual(["schema_version", "[allowlist]", "[cache]"]);
    expect(completeAt("[project]\nname = \"myrepo\"\nd<|>").map((i) => i.label)).toEqual(["description", "[allowlist]", "[cache]"]);
    expect(completeAt("[cache]\nttl_seconds = 5\n<|>").filter((i) => i.kind === 10).map((i) => [i.label, i.textEdit && "newText" in i.textEdit ? i.textEdit.newText : ""])).toEqual([["max_entries", "max_entries = ${1:64}"]]);
  });

  it("offers the tables not present after a typed '['", () => {
    const items = completeAt("schema_version = 1\n[project]\nname = \"x\"\n[al<|>");
    expect(items.map((i) => i.label)).toEqual(["[allowlist]", "[cache]"]);
    expect(items[0]?.textEdit).toEqual({ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 3 } }, newText: "[allowlist]\nsecrets = [$1]" });
  });

  it("offers values: schema_version = 1 and the folder's name", () => {
    expect(completeAt("schema_version = <|>").map((i) => i.label)).toEqual(["1"]);
    expect(completeAt("[project]\nname = <|>").map((i) => i.label)).toEqual(["\"myrepo\""]);
  });

  it("offers secret names not already listed, laptop first, inside quotes without adding quotes", () => {
    const items = completeAt("[allowlist]\nsecrets = [\"GITHUB_TOKEN\", \"<|>\"]");
    expect(items.map((i) => [i.label, i.sortText])).toEqual([["MY_LAPTOP_TOKEN", "0MY_LAPTOP_TOKEN"], ["TEAM_API_KEY", "2TEAM_API_KEY"], ["NPM_TOKEN", "3NPM_TOKEN"]]);
    expect(items[0]?.textEdit).toEqual({ range: { start: { line: 1, character: 28 }, end: { line: 1, character: 28 } }, newText: "MY_LAPTOP_TOKEN" });
  });

  it("offers the devcontainer.json secrets block's names after the laptop's, with the block's own description", () => {
    const f = at("[allowlist]\nsecrets = [\"GITHUB_TOKEN\", <|>]");
    const doc = parseDocument(f.text, { folderName: "myrepo" });
    const withBlock: NameSource[] = [
      { name: "MY_LAPTOP_TOKEN", source: "laptop", hasValue: false },
      { name: "GITHUB_TOKEN", source: "devcontainer", description: "listed already" },
      { name: "SENTRY_DSN", source: "devcontainer", description: "The *Sentry* DSN <for errors>", documentationUrl: "https://docs.sentry.io/dsn (v2)" },
      { name: "PLAIN_ONE", source: "devcontainer" },
      { name: "TEAM_API_KEY", source: "workspace" },
    ];
    const items = complete(doc, { offset: f.offset, folderName: "myrepo", names: withBlock, snippets: true }).items;
    expect(items.map((i) => [i.label, i.sortText, i.detail, i.documentation])).toEqual([
      ["MY_LAPTOP_TOKEN", "0MY_LAPTOP_TOKEN", "known on this laptop, no value yet", undefined],
      ["SENTRY_DSN", "1SENTRY_DSN", "listed in devcontainer.json \"secrets\"", { kind: "markdown", value: "The \\*Sentry\\* DSN \\<for errors\\>\n\n[Documentation](https://docs.sentry.io/dsn%20%28v2%29)" }],
      ["PLAIN_ONE", "1PLAIN_ONE", "listed in devcontainer.json \"secrets\"", undefined],
      ["TEAM_API_KEY", "2TEAM_API_KEY", "used in another manifest of this workspace", undefined],
    ]);
  });

  it("adds quotes when the cursor is between items, and replaces the partly typed name", () => {
    const items = completeAt("[allowlist]\nsecrets = [\"NPM_TOKEN\", \"TE<|>AM\"]");
    expect(items.find((i) => i.label === "TEAM_API_KEY")?.textEdit).toEqual({ range: { start: { line: 1, character: 25 }, end: { line: 1, character: 29 } }, newText: "TEAM_API_KEY" });
    const bare = completeAt("[allowlist]\nsecrets = [<|>]");
    expect(bare.find((i) => i.label === "GITHUB_TOKEN")?.textEdit).toEqual({ range: { start: { line: 1, character: 11 }, end: { line: 1, character: 11 } }, newText: "\"GITHUB_TOKEN\"" });
  });

  it("completes inside a multi-line array that is still open", () => {
    const items = completeAt("[allowlist]\nsecrets = [\n  \"NPM_TOKEN\",\n  <|>\n\n[cache]\n");
    expect(items.map((i) => i.label)).toEqual(["MY_LAPTOP_TOKEN", "TEAM_API_KEY", "GITHUB_TOKEN"]);
  });

  it("offers nothing inside a comment or after a complete value", () => {
    expect(completeAt("# sch<|>")).toEqual([]);
    expect(completeAt("[project]\nname = \"x\" <|>")).toEqual([]);
  });
});
