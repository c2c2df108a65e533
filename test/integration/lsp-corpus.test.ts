import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifestCorpus, LspTestClient, toGolden } from "../helpers/lsp-client.ts";

// The same golden files as the unit corpus test, but every manifest goes through the real
// server over stdio: didOpen → publishDiagnostics, as the editor sees it.
const corpus = loadManifestCorpus();

describe("manifest corpus over stdio", () => {
  let client: LspTestClient;
  beforeAll(async () => { client = await LspTestClient.start(); });
  afterAll(async () => {
    // beforeAll may have failed (say, a stale build): report that, not a crash here.
    const started = client as LspTestClient | undefined;
    if (started === undefined) return;
    expect(started.stderr).toBe("");
    expect(await started.stop()).toBe(0);
  });

  it.each(corpus.map((c) => [`${c.kind}/${c.name}`, c] as const))("%s publishes its golden diagnostics", async (name, c) => {
    // Each case in its own project folder named "myrepo" so the folder-name rule applies the same way.
    const caseUri = `file:///workspace/${name.replace("/", "-")}/myrepo/.devcontainer/remo-broker.toml`;
    const diagnostics = await client.open(caseUri, c.text);
    expect(toGolden(c.text, diagnostics)).toEqual(c.expected);
    await client.close(caseUri);
  });
});
