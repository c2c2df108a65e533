// One data-driven test over test/fixtures/devcontainer/<case>.before.jsonc → <case>.after.jsonc.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesizeDevcontainer } from "../../../extension/src/devcontainer/synthesize.ts";
import { jsoncComments } from "../../helpers/jsonc-comments.ts";
import { devcontainerSchemaErrors } from "./devcontainer-schema.ts";

const dir = join(import.meta.dirname, "../../fixtures/devcontainer");
const cases = readdirSync(dir).filter((f) => f.endsWith(".before.jsonc")).map((f) => f.slice(0, -".before.jsonc".length)).sort();

interface CaseOptions { projectName?: string; featureRef?: string; composeMount?: "ours" | "legacy"; conflicts?: number; secrets?: { name: string; description?: string }[] }

const comments = jsoncComments;

describe("synthesizeDevcontainer golden fixtures", () => {
  it("has at least ten cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  for (const name of cases) {
    it(`edits ${name} as recorded and is idempotent`, () => {
      const before = readFileSync(join(dir, `${name}.before.jsonc`), "utf8");
      const optionsFile = join(dir, `${name}.options.json`);
      const opts = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, "utf8")) as CaseOptions : {};
      const input = {
        existing: before,
        projectName: opts.projectName ?? "myrepo",
        markers: [],
        featureRef: opts.featureRef ?? "./remo-secrets",
        ...(opts.composeMount === undefined ? {} : { composeMount: opts.composeMount }),
        ...(opts.secrets === undefined ? {} : { secrets: opts.secrets }),
      };
      const result = synthesizeDevcontainer(input);
      const afterFile = join(dir, `${name}.after.jsonc`);
      if (!existsSync(afterFile) && process.env.UPDATE_GOLDEN === "1") writeFileSync(afterFile, result.text);
      expect(result.text).toBe(readFileSync(afterFile, "utf8"));
      expect(result.created).toBe(false);
      expect(result.conflicts).toHaveLength(opts.conflicts ?? 0);
      expect(result.changes.length === 0).toBe(result.text === before);
      // Every comment of the original survives, in order, wherever it was (empty arrays and objects included).
      expect(comments(result.text)).toEqual(expect.arrayContaining(comments(before)));
      expect(comments(result.text).filter((c) => comments(before).includes(c))).toEqual(comments(before));
      expect(devcontainerSchemaErrors(result.text)).toEqual([]);
      const again = synthesizeDevcontainer({ ...input, existing: result.text });
      expect(again.text).toBe(result.text);
      expect(again.changes).toEqual([]);
    });
  }
});
