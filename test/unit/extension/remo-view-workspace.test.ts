import { describe, expect, it } from "vitest";
import { buildView, buildWorkspaceView, type NodeInfo, type ViewInput, type ViewItem } from "../../../extension/src/remo-view/view-model.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const node = (name: string, over: Partial<NodeInfo> = {}): NodeInfo => ({ name, host: `me@${name}.example:22`, projectPath: `/srv/${name}`, pins: { hostKeySha256: "SHA256:abc", recipient: "age1short" }, ...over });
const folder = (name: string, over: Partial<ViewInput> = {}): ViewInput => ({
  folder: name,
  folderUri: `file:///ws/${name}`,
  manifest: { state: "ok", project: `${name}-project`, names: [`${name.toUpperCase()}_TOKEN`] },
  nodes: [node("build1")],
  values: [{ name: "API_TOKEN", stored: true }, { name: "WEB_TOKEN", stored: true }],
  now,
  ...over,
});
const noManifest = (name: string): ViewInput => folder(name, { manifest: { state: "none" }, nodes: [] });

/** Id, label, folder and description of each row, nested. */
function tree(items: ViewItem[]): unknown[] {
  return items.map((i) => [i.id, i.label, i.folder, i.description, ...(i.children === undefined ? [] : [tree(i.children)])]);
}

describe("the Remo view model: a multi-root workspace", () => {
  it("with one Remo project among several folders shows that folder's rows as a single-folder window does", () => {
    const out = buildWorkspaceView([noManifest("docs"), folder("web")]);
    expect(out).toEqual(buildView(folder("web")));
    expect(out.nodes.map((n) => [n.id, n.folder])).toEqual([["node:build1", "file:///ws/web"]]);
    expect(out.context.hasManifest).toBe(true);
  });

  it("with no Remo project shows the first folder's empty view (the welcome)", () => {
    const out = buildWorkspaceView([noManifest("docs"), noManifest("other")]);
    expect(out).toEqual({ nodes: [], secrets: [], context: { hasFolder: true, hasManifest: false, hasNode: false, allValuesSet: false, pushed: false, containerFetched: false } });
  });

  it("with no folder at all shows nothing and hasFolder is false", () => {
    expect(buildWorkspaceView([], now).context.hasFolder).toBe(false);
  });

  it("with several projects has one top-level row per project folder, each with that folder's rows and folder", () => {
    const out = buildWorkspaceView([folder("api"), noManifest("docs"), folder("web", { nodes: [node("build1"), node("build2")] })]);
    expect(out.nodes.map((r) => [r.id, r.label, r.description, r.contextValue, r.folder, r.expanded])).toEqual([
      ["folder:file:///ws/api:nodes", "api-project", "api", "remo.folder", "file:///ws/api", true],
      ["folder:file:///ws/web:nodes", "web-project", "web", "remo.folder", "file:///ws/web", true],
    ]);
    // Each node row under its folder: the same node bound to two folders gets an id per folder.
    expect(out.nodes.map((r) => (r.children ?? []).map((c) => [c.id, c.label, c.node, c.folder, c.contextValue]))).toEqual([
      [["folder:file:///ws/api:node:build1", "build1", "build1", "file:///ws/api", "remo.node"]],
      [["folder:file:///ws/web:node:build1", "build1", "build1", "file:///ws/web", "remo.node"], ["folder:file:///ws/web:node:build2", "build2", "build2", "file:///ws/web", "remo.node"]],
    ]);
    // The rows under a node row belong to that folder too.
    expect(new Set(out.nodes[1]!.children![1]!.children!.map((c) => c.folder))).toEqual(new Set(["file:///ws/web"]));
  });

  it("lists each project's own manifest names under its folder, with the per-node rows of that folder", () => {
    const out = buildWorkspaceView([folder("api"), folder("web")]);
    expect(tree(out.secrets)).toEqual([
      ["folder:file:///ws/api:secrets", "api-project", "file:///ws/api", "api", [
        ["folder:file:///ws/api:secret:API_TOKEN", "API_TOKEN", "file:///ws/api", "set · SecretStorage", [
          ["folder:file:///ws/api:secret:API_TOKEN:value", "Laptop value", "file:///ws/api", "stored in SecretStorage (OS keychain)"],
          ["folder:file:///ws/api:secret:API_TOKEN:node:build1", "build1", "file:///ws/api", "not approved yet (the next push asks)"],
        ]],
      ]],
      ["folder:file:///ws/web:secrets", "web-project", "file:///ws/web", "web", [
        ["folder:file:///ws/web:secret:WEB_TOKEN", "WEB_TOKEN", "file:///ws/web", "set · SecretStorage", [
          ["folder:file:///ws/web:secret:WEB_TOKEN:value", "Laptop value", "file:///ws/web", "stored in SecretStorage (OS keychain)"],
          ["folder:file:///ws/web:secret:WEB_TOKEN:node:build1", "build1", "file:///ws/web", "not approved yet (the next push asks)"],
        ]],
      ]],
    ]);
  });

  it("says so under a project folder without a node, and names a folder whose manifest has errors by its folder", () => {
    const out = buildWorkspaceView([folder("api", { nodes: [] }), folder("web", { manifest: { state: "invalid", errors: 1, first: "bad" } })]);
    expect(out.nodes.map((r) => [r.label, r.description, r.icon, (r.children ?? []).map((c) => [c.id, c.label, c.description])])).toEqual([
      ["api-project", "api", "root-folder", [["folder:file:///ws/api:none", "No node yet", "open a file of this folder, then Remo: Add Node…"]]],
      ["web", "web · manifest has errors", "warning", [["folder:file:///ws/web:node:build1", "build1", "me@build1.example:22 · not checked · never pushed"]]],
    ]);
    expect(out.secrets[1]!.children!.map((c) => [c.id, c.label])).toEqual([["folder:file:///ws/web:manifest:invalid", "Manifest has errors"]]);
  });

  it("context keys: a step is done when some project did it; values must be set for every project", () => {
    const pushed = node("build1", { lastPushAt: "2026-03-01T11:00:00.000Z" });
    const base = buildWorkspaceView([folder("api", { nodes: [pushed] }), folder("web", { nodes: [] })]);
    expect(base.context).toEqual({ hasFolder: true, hasManifest: true, hasNode: true, allValuesSet: true, pushed: true, containerFetched: false });
    const missing = buildWorkspaceView([folder("api"), folder("web", { values: [] })]);
    expect(missing.context.allValuesSet).toBe(false);
  });
});
