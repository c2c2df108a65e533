import { describe, expect, it } from "vitest";
import { parseDotenv } from "../../../extension/src/secrets/dotenv-parse.ts";
import { makeSentinel } from "../../helpers/sentinel.ts";

describe("parseDotenv", () => {
  it("reads plain, export, quoted, multi-line and commented lines", () => {
    const text = [
      "\uFEFF# a comment",
      "",
      "GITHUB_TOKEN=ghp_abc123",
      "export NPM_TOKEN = npm_x  # trailing comment",
      "SINGLE='lit $HOME \\n #not a comment'",
      "DOUBLE=\"a\\nb \\\"q\\\" \\\\ $X\"",
      "MULTI=\"line1",
      "line2\"",
      "URL=https://x.example/#frag",
      "PEM='-----BEGIN-----",
      "abc",
      "-----END-----' # key",
    ].join("\r\n");
    expect(parseDotenv(text)).toEqual({
      entries: [
        { name: "GITHUB_TOKEN", value: "ghp_abc123", line: 3 },
        { name: "NPM_TOKEN", value: "npm_x", line: 4 },
        { name: "SINGLE", value: "lit $HOME \\n #not a comment", line: 5 },
        { name: "DOUBLE", value: "a\nb \"q\" \\ $X", line: 6 },
        { name: "MULTI", value: "line1\nline2", line: 7 },
        { name: "URL", value: "https://x.example/#frag", line: 9 },
        { name: "PEM", value: "-----BEGIN-----\nabc\n-----END-----", line: 10 },
      ],
      problems: [],
    });
  });

  it("reports each bad line by number and never with its value", () => {
    const secret = makeSentinel();
    const text = [
      `not an assignment ${secret}`,
      `1BAD=${secret}`,
      "EMPTY=",
      `DUP=${secret}`,
      `DUP=${secret}x`,
      `TRAIL="${secret}" extra`,
      `${"N".repeat(130)}=${secret}`,
      `OPEN='${secret}`,
      "NEVER=reached",
    ].join("\n");
    const r = parseDotenv(text);
    expect(r.entries.map((e) => e.name)).toEqual(["DUP"]);
    expect(r.problems).toEqual([
      { line: 1, message: "line 1 is not NAME=value (names are letters, digits and _, not starting with a digit)" },
      { line: 2, message: "line 2 is not NAME=value (names are letters, digits and _, not starting with a digit)" },
      { line: 3, message: "line 3: EMPTY has an empty value; set it or remove the line" },
      { line: 5, message: "line 5: DUP is already set on line 4; keep one of them" },
      { line: 6, message: "line 6: text after the closing quote of TRAIL; put a comment after \" #\" or quote the whole value" },
      { line: 7, message: `line 7: ${"N".repeat(40)} is longer than 128 characters, too long for a secret name` },
      { line: 8, message: "line 8: the value of OPEN opens a single quote that is never closed" },
    ]);
    expect(JSON.stringify(r.problems)).not.toContain(secret);
  });
});
