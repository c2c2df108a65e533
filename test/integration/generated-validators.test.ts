import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("generated validators", () => {
  it("match schemas/ (run `npm run gen` after editing a schema)", () => {
    expect(() => execFileSync(process.execPath, ["scripts/generate-validators.mjs", "--check"], { stdio: "pipe" })).not.toThrow();
  });
});
