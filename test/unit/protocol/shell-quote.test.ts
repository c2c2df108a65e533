import { describe, expect, it } from "vitest";
import { quoteShell, quoteShellWord } from "#protocol";

// The round trip through a real sh lives in test/integration/shell-quote-sh.test.ts: unit tests spawn no processes.
describe("quoteShell", () => {
  it("quotes quotes, dollars, backticks and newlines as one literal word", () => {
    expect(quoteShell("it's $HOME `id`\n")).toBe("'it'\\''s $HOME `id`\n'");
    expect(quoteShell("")).toBe("''");
  });
});

describe("quoteShellWord", () => {
  it("leaves a plain word (a path, a flag) bare and quotes only when needed", () => {
    expect(quoteShellWord("/var/lib/remo-broker/secrets-key")).toBe("/var/lib/remo-broker/secrets-key");
    expect(quoteShellWord("plain-word_1.2/x")).toBe("plain-word_1.2/x");
    expect(quoteShellWord("/tmp/it's here")).toBe("'/tmp/it'\\''s here'");
    expect(quoteShellWord("$(touch /tmp/x);`id`")).toBe("'$(touch /tmp/x);`id`'");
    expect(quoteShellWord("")).toBe("''");
  });
});

describe.each([["quoteShell", quoteShell], ["quoteShellWord", quoteShellWord]])("%s", (_, quote) => {
  it("refuses NUL, which no shell word can hold", () => {
    expect(() => quote("a\0b")).toThrow("a shell word cannot contain NUL");
  });
});
