import { execFileSync } from "node:child_process";
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { quoteShell, quoteShellWord } from "#protocol";

describe.each([["quoteShell", quoteShell], ["quoteShellWord", quoteShellWord]])("%s", (_, quote) => {
  // sh itself is the judge: printf '%s' <quoted> must print the original text.
  test.prop([fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0"))], { numRuns: process.env.SLOW === "1" ? 500 : 30 })(
    "round-trips through a real sh", (s) => {
      expect(execFileSync("sh", ["-c", `printf '%s' ${quote(s)}`], { encoding: "utf8" })).toBe(s);
    },
  );
});
