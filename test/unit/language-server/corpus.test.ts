import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DiagnosticCode } from "#protocol";
import { parseDocument } from "../../../language-server/src/toml/parse.ts";
import { validateDocument } from "../../../language-server/src/validate.ts";
import { loadManifestCorpus, manifestUri, toGolden } from "../../helpers/lsp-client.ts";

// Golden, data-driven: a new case is a new <case>.toml + <case>.diagnostics.json pair, no new code.
// UPDATE_GOLDEN=1 rewrites the golden files from the current output (review the diff before committing).
const corpus = loadManifestCorpus();
const update = process.env.UPDATE_GOLDEN === "1";

describe("manifest corpus through the validate pipeline", () => {
  it("has at least 40 manifests, valid and invalid", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(corpus.filter((c) => c.kind === "valid").length).toBeGreaterThanOrEqual(10);
  });

  it("covers every diagnostic code the validator can produce with at least one fixture", () => {
    const seen = new Set(corpus.flatMap((c) => (c.expected ?? []).map((d) => d.code)));
    // invalid-value is the fallback for an Ajv keyword the schema does not use today: unreachable by design.
    const reachable = Object.values(DiagnosticCode).filter((c) => c !== DiagnosticCode.invalidValue);
    expect(reachable.filter((c) => !seen.has(c))).toEqual([]);
  });

  it.each(corpus.map((c) => [`${c.kind}/${c.name}`, c] as const))("%s matches its golden diagnostics", (_, c) => {
    const uri = manifestUri("myrepo");
    const actual = toGolden(c.text, validateDocument(parseDocument(c.text, { folderName: "myrepo" }), uri));
    if (update) writeFileSync(c.goldenPath, JSON.stringify(actual, null, 2) + "\n");
    if (c.kind === "valid") expect(actual).toEqual([]);
    else expect(actual.length, "an invalid fixture must produce at least one diagnostic").toBeGreaterThan(0);
    expect(actual).toEqual(update ? actual : c.expected);
  });
});
