import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "vscode-languageserver";
import { codeActions } from "../../../language-server/src/code-actions.ts";
import { parseDocument } from "../../../language-server/src/toml/parse.ts";
import { validateDocument } from "../../../language-server/src/validate.ts";
import { applyEdits } from "../../helpers/lsp-client.ts";

const uri = "file:///workspace/myrepo/.devcontainer/remo-broker.toml";
const fixture = (name: string): string => readFileSync(join(import.meta.dirname, "../../fixtures/manifests/invalid", `${name}.toml`), "utf8");
const diagnose = (text: string): Diagnostic[] => validateDocument(parseDocument(text, { folderName: "myrepo" }), uri);

/** Runs the quick fix titled `title` for the first diagnostic with `code` and returns the fixed text. */
function fix(text: string, code: string, title: string): string {
  const d = diagnose(text).find((x) => x.code === code && (x.data as { isFirst?: boolean } | undefined)?.isFirst !== true);
  if (d === undefined) throw new Error(`no ${code} diagnostic`);
  const actions = codeActions(parseDocument(text, { folderName: "myrepo" }), { uri, range: d.range, diagnostics: [d], folderName: "myrepo" });
  const action = actions.find((a) => a.title === title);
  if (action?.edit?.changes?.[uri] === undefined) throw new Error(`no action "${title}"; got ${JSON.stringify(actions.map((a) => a.title))}`);
  return applyEdits(text, action.edit.changes[uri]);
}

describe("codeActions", () => {
  it.each([
    ["duplicate-secret", "duplicate-secret", "Remove duplicate \"GITHUB_TOKEN\""],
    ["duplicate-secret", "duplicate-secret", "Sort and dedupe the allowlist"],
    ["unknown-key-secret", "unknown-key", "Rename to \"secrets\""],
    ["unknown-key-ttl", "unknown-key", "Rename to \"ttl_seconds\""],
    ["unknown-key-in-allowlist", "unknown-key", "Remove \"extra\""],
    ["project-name-mismatch", "project-name-mismatch", "Set project name to \"myrepo\""],
    ["unsupported-schema-version", "unsupported-schema-version", "Set schema_version = 1"],
    ["schema-version-string", "unsupported-schema-version", "Set schema_version = 1"],
    ["schema-version-float", "unsupported-schema-version", "Set schema_version = 1"],
    ["missing-schema-version", "missing-key", "Add schema_version = 1"],
    ["missing-project", "missing-key", "Add [project]"],
    ["missing-allowlist", "missing-key", "Add [allowlist]"],
    ["missing-name", "missing-key", "Add name to [project]"],
    ["missing-secrets", "missing-key", "Add secrets to [allowlist]"],
  ])("%s: \"%s\" fix leaves a valid manifest", (name, code, title) => {
    const fixed = fix(fixture(name), code, title);
    expect(diagnose(fixed)).toEqual([]);
  });

  it("renames a misspelt table header", () => {
    expect(fix("schema_version = 1\n[project]\nname = \"myrepo\"\n[allowlists]\nsecrets = []\n", "unknown-key", "Rename to \"allowlist\"")).toBe("schema_version = 1\n[project]\nname = \"myrepo\"\n[allowlist]\nsecrets = []\n");
  });

  it("fixes a bad project name to its normalised form (then only the folder rule remains)", () => {
    const fixed = fix(fixture("bad-project-name"), "bad-project-name", "Set project name to \"my-repo\"");
    expect(fixed).toContain("name = \"my-repo\"\n");
    expect(diagnose(fixed).map((d) => d.code)).toEqual(["project-name-mismatch"]);
  });

  it("removes an unknown table with its keys", () => {
    expect(fix(fixture("unknown-table"), "unknown-key", "Remove table [allowlists]")).toBe(fixture("unknown-table").replace("\n[allowlists]\nsecrets = []\n", ""));
  });

  it("adds a missing table in the schema's order: before a later table, else at the end", () => {
    expect(fix("schema_version = 1\n\n[allowlist]\nsecrets = []\n", "missing-key", "Add [project]")).toBe("schema_version = 1\n\n[project]\nname = \"myrepo\"\n\n[allowlist]\nsecrets = []\n");
    expect(fix("schema_version = 1\n\n# what may be fetched\n[allowlist]\nsecrets = []\n", "missing-key", "Add [project]")).toBe("schema_version = 1\n\n[project]\nname = \"myrepo\"\n\n# what may be fetched\n[allowlist]\nsecrets = []\n");
    expect(fix("schema_version = 1\n\n[project]\nname = \"myrepo\"\n", "missing-key", "Add [allowlist]")).toBe("schema_version = 1\n\n[project]\nname = \"myrepo\"\n\n[allowlist]\nsecrets = []\n");
  });

  it("removes exactly the duplicate, keeping the separators of the others", () => {
    expect(fix("[allowlist]\nsecrets = [\"A\", \"B\", \"A\", \"C\"]\n", "duplicate-secret", "Remove duplicate \"A\"")).toBe("[allowlist]\nsecrets = [\"A\", \"B\", \"C\"]\n");
  });

  it("sorts and dedupes a multi-line allowlist, keeping its layout", () => {
    const fixed = fix(fixture("duplicate-secret-three-times"), "duplicate-secret", "Sort and dedupe the allowlist");
    expect(fixed).toContain("secrets = [\n  \"GITHUB_TOKEN\",\n  \"NPM_TOKEN\",\n]\n");
  });

  it("offers sorting as a source action inside an unsorted allowlist, and not for a sorted one or one with comments", () => {
    const actionsAt = (text: string) => codeActions(parseDocument(text, {}), { uri, range: { start: { line: 1, character: 12 }, end: { line: 1, character: 12 } }, diagnostics: [], folderName: undefined });
    expect(actionsAt("[allowlist]\nsecrets = [\"B\", \"A\"]\n").map((a) => [a.title, a.kind])).toEqual([["Sort and dedupe the allowlist", "source.sortAllowlist"]]);
    expect(actionsAt("[allowlist]\nsecrets = [\"A\", \"B\"]\n")).toEqual([]);
    expect(actionsAt("[allowlist]\nsecrets = [\"B\", # keep\n \"A\"]\n")).toEqual([]);
  });

  it("offers \"Set value…\" running remo.setSecret for a name with no value", () => {
    const text = "[allowlist]\nsecrets = [\"A\"]\n";
    const doc = parseDocument(text, {});
    const [d] = validateDocument(doc, uri, new Map()).filter((x) => x.code === "secret-value-missing");
    expect(d).toBeDefined();
    expect(codeActions(doc, { uri, range: d!.range, diagnostics: [d!], folderName: undefined })).toEqual([
      { title: "Set value for \"A\"…", kind: "quickfix", diagnostics: [d], isPreferred: true, command: { title: "Set value…", command: "remo.setSecret", arguments: ["A"] } },
    ]);
  });

  it("ignores diagnostics from other sources", () => {
    const doc = parseDocument("a = 1\n", {});
    expect(codeActions(doc, { uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: "x", source: "other", code: "unknown-key", data: { suggestion: "b" } }], folderName: undefined })).toEqual([]);
  });
});
