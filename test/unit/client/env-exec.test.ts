import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { quoteShell as quoteSh } from "#protocol/shell-quote";
import { envUnfitness, renderExports } from "../../../devcontainer-feature/client/src/env-exec.ts";
import type { SecretValue } from "../../../devcontainer-feature/client/src/secrets.ts";

const value = (name: string, text: string | undefined): SecretValue => ({ name, text, bytes: Buffer.from(text ?? "\xff", "latin1") });

/** Undoes POSIX single quoting of one word: what sh does when it reads quoteSh's output. */
function unquoteSh(word: string): string {
  let out = "";
  let i = 0;
  while (i < word.length) {
    if (word[i] === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) throw new Error("unterminated quote");
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (word[i] === "\\") {
      out += word[i + 1] ?? "";
      i += 2;
    } else throw new Error(`unquoted character ${word[i] ?? ""} at ${i}`);
  }
  return out;
}

describe("quoteSh", () => {
  it("quotes quotes, dollars, backticks and newlines", () => {
    expect(quoteSh("it's $HOME `id`\n")).toBe("'it'\\''s $HOME `id`\n'");
    expect(quoteSh("")).toBe("''");
  });

  test.prop([fc.string({ unit: "binary" }).filter((s) => !s.includes("\0"))], { numRuns: 300 })("round-trips any text through sh's quoting rules", (s) => {
    const q = quoteSh(s);
    expect(unquoteSh(q)).toBe(s);
  });
});

describe("renderExports", () => {
  it("writes one export per secret, in order", () => {
    expect(renderExports([value("A", "1"), value("B_2", "x y")])).toBe("export A='1'\nexport B_2='x y'\n");
  });
});

describe("envUnfitness", () => {
  it("accepts ordinary names and values", () => {
    expect(envUnfitness(value("GITHUB_TOKEN", "ghp_x"), true)).toBeNull();
  });

  it("rejects a digit-first name for sh but not for exec", () => {
    expect(envUnfitness(value("9LIVES", "x"), true)).toBe("has a name sh cannot use as a variable (it starts with a digit)");
    expect(envUnfitness(value("9LIVES", "x"), false)).toBeNull();
  });

  it("rejects values that cannot be environment variables", () => {
    expect(envUnfitness(value("BIN", undefined), false)).toBe("is not UTF-8 text, so it cannot be an environment variable");
    expect(envUnfitness(value("NUL", "a\0b"), false)).toBe("contains a NUL byte, so it cannot be an environment variable");
  });
});
