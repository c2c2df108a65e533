import { fc } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Range } from "vscode-languageserver-protocol";
import { loadManifestCorpus, LspTestClient, manifestUri } from "../helpers/lsp-client.ts";

// A few hundred mutated manifests through the real server over stdio, as didChange edits:
// it answers every one (no crash, no hang: each wait has a deadline) with ranges inside the text.
const runs = process.env.SLOW === "1" ? 3_000 : 300;
const seeds = loadManifestCorpus().map((c) => c.text);
const fragments = ["[", "]", "{", "}", "\"", "'", "\"\"\"", "=", ",", "#", "\n", "\r\n", " ", "🔑", "secrets", "cache", "1", "1.5", "true", "GITHUB_TOKEN", "\u0000", ".A", "{ a = 1 }", "[[x]]"];

function inside(text: string, r: Range): boolean {
  const lines = text.split(/\r\n|\r|\n/);
  const ok = (p: Range["start"]): boolean => p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= (lines[p.line]?.length ?? -1);
  return ok(r.start) && ok(r.end) && (r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character));
}

describe("fuzz over stdio", () => {
  let client: LspTestClient;
  beforeAll(async () => { client = await LspTestClient.start({ initializationOptions: { diagnosticDelayMs: 0 } }); });
  afterAll(async () => {
    // beforeAll may have failed (say, a stale build): report that, not a crash here.
    const started = client as LspTestClient | undefined;
    if (started === undefined) return;
    expect(started.stderr).toBe("");
    expect(await started.stop()).toBe(0);
  });

  it(`answers ${runs} mutated manifests with in-document ranges and stays up`, async () => {
    const texts = fc.sample(fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 12 }), fc.constantFrom(...fragments)), { minLength: 1, maxLength: 5 })).map(([seed, ms]) =>
      ms.reduce((t, [at, del, ins]) => { const i = at % (t.length + 1); return t.slice(0, i) + ins + t.slice(i + del); }, seed)), { numRuns: runs, seed: 20260101 });
    const uri = manifestUri("myrepo");
    await client.open(uri, seeds[0] ?? "");
    for (const [n, text] of texts.entries()) {
      const diagnostics = await client.change(uri, text);
      const outside = diagnostics.filter((d) => !inside(text, d.range));
      expect(outside, `case ${n}: ${JSON.stringify(text)}`).toEqual([]);
      if (n % 10 === 0) {
        const pos = { line: n % 7, character: n % 13 };
        await client.completion(uri, pos);
        await client.hover(uri, pos);
        await client.documentSymbols(uri);
        await client.format(uri);
      }
    }
    expect(client.alive).toBe(true);
    expect(client.logs.filter((l) => /error|exception/i.test(l))).toEqual([]);
  }, process.env.SLOW === "1" ? 1_800_000 : 120_000);
});
