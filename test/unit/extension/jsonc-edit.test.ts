import { describe, expect, it } from "vitest";
import { appendEntry, detectStyle, parseJsonc } from "../../../extension/src/devcontainer/jsonc-edit.ts";

const two = { indentUnit: "  ", eol: "\n" };

describe("appendEntry", () => {
  it("fills an empty one-line array or object on new lines at the container's indentation", () => {
    expect(appendEntry("{\n  \"mounts\": []\n}", ["mounts"], undefined, "m", two)).toBe("{\n  \"mounts\": [\n    \"m\"\n  ]\n}");
    expect(appendEntry("{\n  \"features\": {},\n}", ["features"], "./f", {}, two)).toBe("{\n  \"features\": {\n    \"./f\": {}\n  },\n}");
  });

  it("keeps a trailing comma inside a one-line container", () => {
    expect(appendEntry("{ \"a\": [1, 2,] }", ["a"], undefined, 3, two)).toBe("{ \"a\": [1, 2, 3,] }");
  });

  it("puts the new entry after a block comment that ends the last entry's line", () => {
    const text = "{\n  \"a\": 1 /* note */\n}";
    expect(appendEntry(text, [], "b", 2, two)).toBe("{\n  \"a\": 1, /* note */\n  \"b\": 2\n}");
  });

  it("renders multi-line values in the file's indentation and line ending", () => {
    const style = detectStyle("{\r\n\t\"a\": 1\r\n}");
    expect(style).toEqual({ indentUnit: "\t", eol: "\r\n" });
    expect(appendEntry("{\r\n\t\"a\": 1\r\n}", [], "b", { c: [1] }, style)).toBe("{\r\n\t\"a\": 1,\r\n\t\"b\": {\r\n\t\t\"c\": [\r\n\t\t\t1\r\n\t\t]\r\n\t}\r\n}");
  });

  it("throws when the path does not lead to a container", () => {
    expect(() => appendEntry("{\"a\": 1}", ["a"], undefined, 2, two)).toThrow("no object or array");
  });
});

describe("parseJsonc", () => {
  it("reports the first error with a 1-based line and column", () => {
    expect(parseJsonc("{\n  \"a\": 1\n  \"b\": 2\n}").errors[0]).toEqual({ message: "CommaExpected", line: 3, column: 3 });
    expect(parseJsonc("// c\n{ \"a\": [1,], }").errors).toEqual([]);
  });
});
