import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles } from "../../helpers/list-files.ts";

// Comments and READMEs point at docs/architecture.md anchors instead of repeating a rule, and the
// document links the code that enforces each rule. When a heading is renamed or a file moves,
// these links rot silently; this test names every broken one.
const root = join(import.meta.dirname, "..", "..", "..");
const architecture = join(root, "docs", "architecture.md");

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

/** The anchors of a markdown file's headings (outside code fences). */
function anchorsOf(file: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (m?.[1] !== undefined) out.add(slug(m[1]));
  }
  return out;
}

/** Relative markdown links `[text](target)` of a file, without external URLs. */
function relativeLinks(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "").filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l));
}

const sourceDirs = ["extension/src", "broker", "protocol/src", "language-server/src", "devcontainer-feature", "test", "bench", "scripts"];
const skipped = /(^|\/)(node_modules|generated|fixtures)(\/|$)|\.(png|json|node|js\.map)$|remo-secrets\.js$/;
const docFiles = ["README.md", "broker/README.md", "docs/architecture.md", "test/vscode/README.md"];

/** Every text file that may mention an anchor: sources, tests, scripts and the root config files. */
function sourceFiles(): string[] {
  const files = sourceDirs.flatMap((d) => listFiles(join(root, d)).map((f) => f.path));
  for (const f of ["eslint.config.mjs", "esbuild.mjs", "vitest.config.mts", ...docFiles]) files.push(join(root, f));
  return files.filter((f) => !skipped.test(relative(root, f)));
}

describe("docs/architecture.md links", () => {
  const anchors = anchorsOf(architecture);

  it("every relative link in the documents reaches a file or folder of the repository", () => {
    const broken = docFiles.flatMap((doc) => relativeLinks(join(root, doc))
      .filter((link) => { const path = link.split("#")[0] ?? ""; return path !== "" && !existsSync(resolve(dirname(join(root, doc)), path)); })
      .map((link) => `${doc}: ${link}`));
    expect(broken).toEqual([]);
  });

  it("every anchor of docs/architecture.md named in the code, tests and documents is a heading", () => {
    const missing: string[] = [];
    for (const file of sourceFiles()) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/architecture\.md#([A-Za-z0-9_-]+)/g)) {
        if (!anchors.has(m[1] ?? "")) missing.push(`${relative(root, file)}: #${m[1] ?? ""}`);
      }
      if (file === architecture) {
        for (const m of text.matchAll(/\]\(#([A-Za-z0-9_-]+)\)/g)) if (!anchors.has(m[1] ?? "")) missing.push(`docs/architecture.md: #${m[1] ?? ""}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("keeps the anchors other files rely on", () => {
    for (const a of ["wire-protocol", "socket-directories", "bundle", "audit", "synthesis", "trust-model", "remote-windows", "node-layout", "test-environment"]) {
      expect(anchors, a).toContain(a);
    }
  });
});
