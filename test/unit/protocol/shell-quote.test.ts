import { describe, expect, it } from "vitest";
import { quoteShell } from "#protocol";

// The round trip through a real sh lives in test/integration/shell-quote-sh.test.ts: unit tests spawn no processes.
describe("quoteShell", () => {
  it("quotes quotes, dollars, backticks and newlines as one literal word", () => {
    expect(quoteShell("it's $HOME `id`\n")).toBe("'it'\\''s $HOME `id`\n'");
    expect(quoteShell("")).toBe("''");
  });

  it("refuses NUL, which no shell word can hold", () => {
    expect(() => quoteShell("a\0b")).toThrow("a shell word cannot contain NUL");
  });
});
