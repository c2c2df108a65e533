import { describe, expect, it } from "vitest";
import { NodeRegistry } from "../../../extension/src/node/node-registry.ts";
import type { NodeTarget } from "../../../extension/src/node/node-target.ts";
import { memento } from "../../helpers/memento.ts";

const target = (name: string): NodeTarget => ({ name, host: `${name}.example`, projectPath: `/srv/${name}` });
const pins = { hostKeySha256: "SHA256:abc", recipient: "age1xyz", pinnedAt: "2026-01-01T00:00:00.000Z" };

describe("NodeRegistry", () => {
  it("stores nodes with their pins and lists them by name", async () => {
    const r = new NodeRegistry(memento(), memento());
    await r.upsert(target("b"), pins);
    await r.upsert(target("a"), {});
    expect(r.list().map((e) => e.target.name)).toEqual(["a", "b"]);
    expect(r.get("b")).toEqual({ target: target("b"), pins, lastPushAt: {} });
  });

  it("uses the only node for a workspace, or the one chosen for it", async () => {
    const ws = memento();
    const r = new NodeRegistry(memento(), ws);
    expect(r.workspaceNode()).toBeUndefined();
    await r.upsert(target("a"), pins);
    expect(r.workspaceNode()?.target.name).toBe("a");
    await r.upsert(target("b"), pins);
    expect(r.workspaceNode()).toBeUndefined();
    await r.setWorkspaceNode("b");
    expect(r.workspaceNode()?.target.name).toBe("b");
    await r.remove("b");
    expect(ws.data).toEqual({});
    expect(r.workspaceNode()?.target.name).toBe("a");
  });

  it("keeps push times per project across re-pinning and re-adding", async () => {
    const r = new NodeRegistry(memento(), memento());
    await r.upsert(target("a"), pins);
    await r.recordPush("a", "proj", new Date("2026-02-03T04:05:06.000Z"));
    await r.setPins("a", { ...pins, hostKeySha256: "SHA256:new" });
    await r.upsert(target("a"), pins);
    expect(r.get("a")?.lastPushAt).toEqual({ proj: "2026-02-03T04:05:06.000Z" });
  });

  it("drops malformed stored entries instead of failing", () => {
    const g = memento({ "remo.nodes.v1": { ok: { target: target("ok"), pins: {}, lastPushAt: {} }, bad: { target: { name: "bad" } }, wrongKey: { target: target("other"), pins: {}, lastPushAt: {} } } });
    const r = new NodeRegistry(g, memento());
    expect(r.list().map((e) => e.target.name)).toEqual(["ok"]);
  });

  it("refuses to re-pin an unknown node", async () => {
    const r = new NodeRegistry(memento(), memento());
    await expect(r.setPins("nope", pins)).rejects.toThrow("unknown node nope");
  });

  it("keeps one binding per folder URI, so a laptop checkout and a Remote-SSH one differ", async () => {
    const g = memento();
    let current: string | undefined = "file:///home/me/proj";
    const r = new NodeRegistry(g, memento(), () => current);
    await r.upsert(target("laptop-node"), pins);
    await r.upsert(target("devbox"), pins);
    await r.bindFolder("laptop-node");
    await r.bindFolder("devbox", { folder: "vscode-remote://ssh-remote%2Bdevbox/home/me/proj" });
    expect(r.workspaceNode()?.target.name).toBe("laptop-node");
    current = "vscode-remote://ssh-remote%2Bdevbox/home/me/proj";
    expect(r.workspaceNode()?.target.name).toBe("devbox");
    // The bindings live in globalState: another workspace that opens the same folder sees them.
    const again = new NodeRegistry(g, memento(), () => current);
    expect(again.folderNodes().map((e) => e.target.name)).toEqual(["devbox"]);
  });

  it("binds several nodes to a folder in order, and forgets a removed one", async () => {
    const r = new NodeRegistry(memento(), memento(), () => "file:///p");
    for (const n of ["a", "b", "c"]) await r.upsert(target(n), pins);
    await r.bindFolder("b");
    await r.bindFolder("a", { add: true });
    await r.bindFolder("c", { add: true });
    await r.bindFolder("b", { add: true });
    expect(r.folderNodes().map((e) => e.target.name)).toEqual(["a", "c", "b"]);
    await r.remove("c");
    expect(r.folderNodes().map((e) => e.target.name)).toEqual(["a", "b"]);
    await r.unbindFolder("a");
    expect(r.folderNodes().map((e) => e.target.name)).toEqual(["b"]);
    await r.bindFolder("a");
    expect(r.folderNodes().map((e) => e.target.name)).toEqual(["a"]);
  });

  it("adding a second node beside an implicit only node keeps the first", async () => {
    const r = new NodeRegistry(memento(), memento(), () => "file:///p");
    await r.upsert(target("a"), pins);
    await r.upsert(target("b"), pins);
    await r.setWorkspaceNode("a");
    await r.bindFolder("b", { add: true });
    expect(r.folderNodes().map((e) => e.target.name)).toEqual(["a", "b"]);
  });

  it("falls back to the workspace's older single choice when a folder has no bindings", async () => {
    const ws = memento({ "remo.workspaceNode": "b" });
    const r = new NodeRegistry(memento(), ws, () => "file:///p");
    await r.upsert(target("a"), pins);
    await r.upsert(target("b"), pins);
    expect(r.workspaceNode()?.target.name).toBe("b");
    await r.setWorkspaceNode(undefined);
    expect(r.workspaceNode()).toBeUndefined();
  });

  it("ignores malformed stored bindings", async () => {
    const g = memento({ "remo.folderNodes.v1": { "file:///p": ["a", 3, null], "file:///q": "nope" } });
    const r = new NodeRegistry(g, memento(), () => "file:///p");
    await r.upsert(target("a"), pins);
    await r.upsert(target("b"), pins);
    expect(r.folderNodes().map((e) => e.target.name)).toEqual(["a"]);
    expect(r.folderNodes("file:///q")).toEqual([]);
  });
});
