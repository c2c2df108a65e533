import { describe, expect, it } from "vitest";
import { parseTomlText as parse } from "#protocol";
import { formatText } from "../../../language-server/src/format.ts";
import { parseDocument } from "../../../language-server/src/toml/parse.ts";
import { loadManifestCorpus } from "../../helpers/lsp-client.ts";

const format = (text: string): string | undefined => formatText(parseDocument(text, {}));

describe("formatText", () => {
  it("normalises '=', trims trailing space, puts one blank line before each table and keeps comments", () => {
    const text = "# top\nschema_version=1   \n[project]   # the project\nname   =\"myrepo\"\n\n\n\n# secrets below\n[allowlist]\nsecrets= [\"A\",\n    \"B\"]  \n\n\n";
    expect(format(text)).toBe("# top\nschema_version = 1\n\n[project]   # the project\nname = \"myrepo\"\n\n# secrets below\n[allowlist]\nsecrets = [\"A\",\n    \"B\"]\n");
  });

  it("leaves multi-line string contents byte for byte, trailing spaces included", () => {
    const text = "[project]\ndescription=\"\"\"line one   \n\n\n  [not a table]   \n\"\"\"\n";
    expect(format(text)).toBe("[project]\ndescription = \"\"\"line one   \n\n\n  [not a table]   \n\"\"\"\n");
  });

  it("keeps CRLF line endings", () => {
    expect(format("a=1\r\n[t]\r\nb=2\r\n")).toBe("a = 1\r\n\r\n[t]\r\nb = 2\r\n");
  });

  it("does not format a file with syntax errors", () => {
    expect(format("a = \n[t]\n")).toBeUndefined();
  });

  it.each(loadManifestCorpus().filter((c) => parseDocument(c.text, {}).syntax.length === 0).map((c) => [c.name, c.text] as const))(
    "%s: formatting is idempotent and keeps the parsed value", (_, text) => {
      const once = format(text);
      expect(once).toBeDefined();
      expect(format(once!)).toBe(once);
      expect(parse(once!)).toEqual(parse(text));
    });
});

describe("formatText with mixed line endings", () => {
  it("keeps the line endings inside a multi-line string, which are part of its value", () => {
    // The fuzz found this: a CRLF elsewhere in the file must not rewrite the string's LF.
    const text = "[project]\r\nname = 'myrepo'\ndescription = '''\nA multi-line\n  description.'''\n";
    const once = format(text);
    expect(parse(once!)).toEqual(parse(text));
    expect(format(once!)).toBe(once);
  });
});
