import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/broker-process.ts";

// The README's first command must keep working: `npm run demo` (scripts/demo.mjs on the built dist/).
describe("scripts/demo.mjs", () => {
  it("runs the whole broker loop and exits 0", () => {
    const r = spawnSync(process.execPath, [join(repoRoot, "scripts", "demo.mjs")], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const expected of ["recipient: age1", "project socket:", "loaded 2 secrets", "fake demo value: demo-value-not-a-real-secret", "→ denied", "secret.get", "exit code 0", "Demo finished"]) {
      expect(r.stdout).toContain(expected);
    }
    // Only the fake demo value is ever shown; the other demo secret's value is not.
    expect(r.stdout).not.toContain("ghp_demo");
  });
});
