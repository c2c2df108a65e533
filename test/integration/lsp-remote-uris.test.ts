// The server gets documents by URI only: a manifest in a Remote-SSH, Dev Containers or virtual
// workspace must get the same diagnostics, completion and quick fixes as a file: one, with the
// project folder's name taken from the URI's path.
import { afterEach, describe, expect, it } from "vitest";
import { at } from "../helpers/caret.ts";
import { LspTestClient } from "../helpers/lsp-client.ts";

const devContainer = Buffer.from(JSON.stringify({ hostPath: "/home/alice/myrepo" })).toString("hex");
const uris: [string, string][] = [
  ["file", "file:///home/alice/myrepo/.devcontainer/remo-broker.toml"],
  ["Remote-SSH", "vscode-remote://ssh-remote%2Bdevbox/home/alice/myrepo/.devcontainer/remo-broker.toml"],
  ["Dev Containers on a Remote-SSH host", `vscode-remote://dev-container%2B${devContainer}%40ssh-remote%2Bdevbox/workspaces/myrepo/.devcontainer/remo-broker.toml`],
  ["a virtual file system", "remo-test://fixture/myrepo/.remo/broker.toml"],
  ["a GitHub virtual folder with a percent-encoded name", "vscode-vfs://github/alice/my%2Drepo/.devcontainer/remo-broker.toml"],
];

const clients: LspTestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) expect(await c.stop()).toBe(0);
});

describe("language server on non-file URIs", () => {
  it.each(uris)("%s: the project name is checked against the folder in the URI, with a fix", async (_what, uri) => {
    const client = await LspTestClient.start({ workspaceNames: () => [] });
    clients.push(client);
    const folder = decodeURIComponent(uri).split("/").slice(-3, -2)[0] ?? "";
    const diags = await client.open(uri, `schema_version = 1\n\n[project]\nname = "other"\n\n[allowlist]\nsecrets = []\n`);
    const mismatch = diags.filter((d) => d.code === "project-name-mismatch");
    expect(mismatch.map((d) => [d.range, d.data as unknown])).toEqual([[{ start: { line: 3, character: 7 }, end: { line: 3, character: 14 } }, { replacement: folder }]]);
    const actions = await client.codeActions(uri, mismatch[0]!.range, mismatch);
    expect(actions.map((a) => a.title)).toContain(`Set project name to "${folder}"`);
  });

  it.each(uris)("%s: completion offers names in the allowlist", async (_what, uri) => {
    const client = await LspTestClient.start({ workspaceNames: () => ["TEAM_KEY"] });
    clients.push(client);
    const f = at("schema_version = 1\n[allowlist]\nsecrets = [\"GITHUB_TOKEN\", <|>]\n");
    await client.open(uri, f.text);
    const labels = (await client.completion(uri, f.position)).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(["TEAM_KEY", "NPM_TOKEN"]));
    expect(labels).not.toContain("GITHUB_TOKEN");
  });
});
