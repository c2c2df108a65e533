import { describe, expect, it } from "vitest";
import { decideFolder, type FolderCandidate, type FolderNeed } from "../../../extension/src/workspace/folder-choice.ts";

const f = (name: string, isProject: boolean): FolderCandidate<string> => ({ folder: name, key: `file:///ws/${name}`, isProject });
const api = f("api", true);
const web = f("web", true);
const docs = f("docs", false);
const decide = (folders: FolderCandidate<string>[], need: FolderNeed, at: { invoked?: string; active?: string } = {}) => decideFolder({ folders, need, ...at });

describe("decideFolder", () => {
  it("says to open a folder when the window has none", () => {
    expect(decide([], "project")).toEqual({ kind: "none", message: "Open a folder first: Remo works on the project folder that holds .devcontainer/." });
  });

  it("takes the only folder without asking, manifest or not, whatever the command needs (single-folder windows are unchanged)", () => {
    for (const need of ["project", "folder", "any"] as const) {
      expect(decide([docs], need)).toEqual({ kind: "folder", folder: "docs", via: "only" });
      expect(decide([api], need, { active: "file:///elsewhere" })).toEqual({ kind: "folder", folder: "api", via: "only" });
    }
  });

  it("takes the folder a command was invoked on (a view row) before the active editor's", () => {
    expect(decide([api, web, docs], "project", { invoked: web.key, active: api.key })).toEqual({ kind: "folder", folder: "web", via: "invoked" });
  });

  it("refuses a row of a folder that left the workspace instead of acting on another", () => {
    expect(decide([api, web], "project", { invoked: "file:///ws/gone" })).toEqual({ kind: "none", message: "That folder is not part of this workspace any more. Refresh the Remo view, or run the command from the folder's editor." });
  });

  it("takes the active editor's folder next", () => {
    expect(decide([api, web], "project", { active: web.key })).toEqual({ kind: "folder", folder: "web", via: "editor" });
    expect(decide([api, docs], "any", { active: docs.key })).toEqual({ kind: "folder", folder: "docs", via: "editor" });
  });

  it("passes over an editor in a folder that is no project when the command needs one", () => {
    expect(decide([api, docs], "project", { active: docs.key })).toEqual({ kind: "folder", folder: "api", via: "onlyProject" });
    expect(decide([api, web, docs], "project", { active: docs.key })).toEqual({ kind: "pick", candidates: ["api", "web"] });
    expect(decide([api, docs], "folder", { active: docs.key })).toEqual({ kind: "folder", folder: "docs", via: "editor" });
  });

  it("takes the only Remo project among several folders", () => {
    expect(decide([docs, web], "project")).toEqual({ kind: "folder", folder: "web", via: "onlyProject" });
    expect(decide([docs, web], "folder")).toEqual({ kind: "folder", folder: "web", via: "onlyProject" });
  });

  it("asks among the Remo projects only when there are several, in workspace order", () => {
    expect(decide([web, docs, api], "project")).toEqual({ kind: "pick", candidates: ["web", "api"] });
    expect(decide([web, docs, api], "folder")).toEqual({ kind: "pick", candidates: ["web", "api"] });
  });

  it("asks among every folder for a command that needs none of them to be a project (Create Manifest)", () => {
    expect(decide([api, docs], "any")).toEqual({ kind: "pick", candidates: ["api", "docs"] });
  });

  it("with several folders and no project: a project command says what to open, a folder command asks among all", () => {
    const other = f("other", false);
    expect(decide([docs, other], "project")).toEqual({
      kind: "none",
      message: "None of this workspace's 2 folders has a secret manifest. Open the project folder that holds .devcontainer/remo-broker.toml, or run \"Remo: Create Manifest\" in one.",
    });
    expect(decide([docs, other], "folder")).toEqual({ kind: "pick", candidates: ["docs", "other"] });
  });
});
