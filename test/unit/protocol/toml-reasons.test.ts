import { describe, expect, it } from "vitest";
import { humanizeTomlError, isTomlReason, parseTomlText, tomlErrorReason, tomlReasons, type TomlReason } from "#protocol";

// The humanizer matches smol-toml's message text. If an upgrade rewords a message, the user
// would silently get the raw parser text again: these inputs make each reason occur, so the
// rewording fails here instead.
const inputs: Record<TomlReason, string> = {
  "control characters are not allowed in strings": "a = \"open\nb = 1\n",
  "unfinished string": "a = \"open",
  "unfinished array": "a = [",
  "expected comma or end of structure": "a = [1 2]\n",
  "unfinished table": "a = {",
  "incomplete key-value: cannot find end of key": "a",
  "each key-value declaration must be followed by an end-of-line": "a = 1 b = 2\n",
  "trying to redefine an already defined table or value": "a = 1\na = 2\n",
  "trying to redefine an already defined value": "a = { b = 1, b = 2 }\n",
  "invalid value": "a = nope\n",
  "illegal character in key": "a b = 1\n",
  "illegal empty bare key": "a..b = 1\n",
  "unexpected end of key": "= 1\n",
  "expected end of table array declaration": "[[a]\n",
  "unrecognised escape sequence": "a = \"\\q\"\n",
  "illegal leading zero": "a = 01\n",
  "illegal underscore": "a = 1__2\n",
  "unfinished numeric value": "a = 1_\n",
  "control characters are not allowed in comments": "# \u0001\n",
};

function errorOf(text: string): unknown {
  try {
    parseTomlText(text);
  } catch (e) {
    return e;
  }
  throw new Error(`smol-toml accepted ${JSON.stringify(text)}`);
}

describe("tomlReasons", () => {
  it("has an input here for every reason it maps", () => {
    expect(Object.keys(inputs).sort()).toEqual(Object.keys(tomlReasons).sort());
  });

  it.each(Object.entries(inputs) as [TomlReason, string][])("smol-toml still says \"%s\"", (reason, text) => {
    const e = errorOf(text);
    expect(tomlErrorReason(e)).toBe(reason);
    expect(isTomlReason(e, reason)).toBe(true);
    expect(humanizeTomlError(e)).toBe(`TOML syntax error: ${tomlReasons[reason]}.`);
  });

  it("passes an unknown reason through, asking to fix the syntax, and never for an inherited property name", () => {
    expect(humanizeTomlError(new Error("Invalid TOML document: constructor\n\n1: x"))).toBe("TOML syntax error: constructor. Fix the syntax here.");
  });
});
