import { describe, expect, it } from "vitest";
import { workspaceNameSources } from "../../../language-server/src/workspace-names.ts";

describe("workspaceNameSources", () => {
  it("reads plain strings as other manifests' names and keeps a devcontainer entry's description and link", () => {
    expect(workspaceNameSources([
      "TEAM_KEY",
      { name: "SENTRY_DSN", source: "devcontainer", description: "DSN", documentationUrl: "https://example.com/dsn" },
      { name: "OTHER", source: "manifest", description: "ignored for manifest names" },
    ])).toEqual([
      { name: "TEAM_KEY", source: "workspace" },
      { name: "SENTRY_DSN", source: "devcontainer", description: "DSN", documentationUrl: "https://example.com/dsn" },
      { name: "OTHER", source: "workspace" },
    ]);
  });

  it("drops malformed entries and links that are not http(s), and caps a description", () => {
    expect(workspaceNameSources([null, 3, { source: "devcontainer" }, { name: 5 }, { name: "X", source: "devcontainer", documentationUrl: "javascript:alert(1)", description: "d".repeat(5000) }]))
      .toEqual([{ name: "X", source: "devcontainer", description: "d".repeat(1024) }]);
    expect([workspaceNameSources(undefined), workspaceNameSources({ names: [] }), workspaceNameSources("A")]).toEqual([[], [], []]);
  });
});
