import { describe, expect, it } from "vitest";
import { folderNameOf, isManifestUri } from "../../../language-server/src/folder-name.ts";

// The server only sees URIs: the folder name must come from the URI's path whatever the scheme.
describe("folderNameOf", () => {
  it.each([
    ["file:///home/me/myrepo/.devcontainer/remo-broker.toml", "myrepo"],
    ["vscode-remote://ssh-remote%2Bdevbox/home/alice/myrepo/.devcontainer/remo-broker.toml", "myrepo"],
    [`vscode-remote://dev-container%2B7b22686f737450617468223a222f702f78227d%40ssh-remote%2Bdevbox/workspaces/x/.remo/broker.toml`, "x"],
    ["remo-test://fixture/remo-fixture/.devcontainer/remo-broker.toml", "remo-fixture"],
    ["vscode-vfs://github/owner/some%20repo/.devcontainer/remo-broker.toml", "some repo"],
    ["vscode-remote://localhost%3A8080/home/coder/proj/.remo/broker.toml", "proj"],
  ])("%s → %s", (uri, want) => {
    expect(folderNameOf(uri)).toBe(want);
  });

  it("is undefined for a file that is not at a manifest path, or a manifest at the root", () => {
    expect(folderNameOf("remo-test://fixture/notes/broker.toml")).toBeUndefined();
    expect(folderNameOf("remo-test://fixture/.devcontainer/remo-broker.toml")).toBeUndefined();
    expect(folderNameOf("not a uri")).toBeUndefined();
  });

  it("recognises manifests on any scheme", () => {
    expect(isManifestUri("remo-test://fixture/p/.devcontainer/remo-broker.toml")).toBe(true);
    expect(isManifestUri("remo-test://fixture/p/.devcontainer/other.toml")).toBe(false);
  });
});
