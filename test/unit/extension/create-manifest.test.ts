import { describe, expect, it } from "vitest";
import { parseManifest } from "#protocol";
import { ensureGitignoreBlock, ManifestAuthoringError, renderManifest } from "../../../extension/src/manifest-authoring/render-manifest.ts";

describe("renderManifest", () => {
  it("renders a manifest parseManifest accepts, de-duplicating names", () => {
    const text = renderManifest({ projectName: "myrepo", secrets: ["GITHUB_TOKEN", "NPM_TOKEN", "GITHUB_TOKEN"], description: "Web app \"main\"\nsecond line" });
    const parsed = parseManifest(text, { folderName: "myrepo" });
    expect(parsed.issues).toEqual([]);
    expect(parsed.manifest).toEqual({ schemaVersion: 1, project: { name: "myrepo", description: "Web app \"main\"\nsecond line" }, allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"], cache: {} });
    expect(text).toContain("secrets = [\n  \"GITHUB_TOKEN\",\n  \"NPM_TOKEN\",\n]\n");
  });

  it("renders an empty allowlist", () => {
    const text = renderManifest({ projectName: "a", secrets: [] });
    expect(parseManifest(text).manifest?.allowlist).toEqual([]);
    expect(text).toContain("secrets = []");
  });

  it("refuses bad input with a code and a message that says what to do", () => {
    const cases: [Parameters<typeof renderManifest>[0], string, RegExp][] = [
      [{ projectName: "My Repo", secrets: [] }, "bad_project_name", /Rename the project folder to "my-repo"/],
      [{ projectName: "ok", secrets: ["GOOD", "BAD-NAME"] }, "bad_secret_name", /"BAD-NAME" is not a valid secret name/],
      [{ projectName: "ok", secrets: [], description: "x".repeat(257) }, "description_too_long", /shorten it to at most 256/],
    ];
    for (const [opts, code, message] of cases) {
      try {
        renderManifest(opts);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ManifestAuthoringError);
        expect((e as ManifestAuthoringError).code).toBe(code);
        expect((e as ManifestAuthoringError).message).toMatch(message);
      }
    }
  });
});

describe("ensureGitignoreBlock", () => {
  const block = "# >>> remo-secrets (generated manifest location) >>>\n.remo/\n# <<< remo-secrets <<<\n";

  it("creates the block in a missing or empty file", () => {
    expect(ensureGitignoreBlock(undefined)).toEqual({ text: block, changed: true });
    expect(ensureGitignoreBlock("")).toEqual({ text: block, changed: true });
  });

  it("appends to an existing file, adding a missing final newline, and is idempotent", () => {
    const first = ensureGitignoreBlock("node_modules/\ndist");
    expect(first).toEqual({ text: `node_modules/\ndist\n${block}`, changed: true });
    expect(ensureGitignoreBlock(first.text)).toEqual({ text: first.text, changed: false });
  });

  it("keeps CRLF line endings", () => {
    expect(ensureGitignoreBlock("a\r\n").text).toBe(`a\r\n${block.replace(/\n/g, "\r\n")}`);
  });

  it("restores the rule inside a block that lost it, and respects a rule the user wrote", () => {
    const broken = "x\n# >>> remo-secrets (generated manifest location) >>>\n# <<< remo-secrets <<<\n";
    expect(ensureGitignoreBlock(broken)).toEqual({ text: "x\n# >>> remo-secrets (generated manifest location) >>>\n.remo/\n# <<< remo-secrets <<<\n", changed: true });
    expect(ensureGitignoreBlock("/.remo\n")).toEqual({ text: "/.remo\n", changed: false });
  });
});
