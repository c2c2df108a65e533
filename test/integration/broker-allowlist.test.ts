import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validators } from "#protocol";
import { requestLines, startBroker, writeProject, type BrokerHandle } from "../helpers/broker-process.ts";

// The manifest file on the node is writable from inside the container: it may narrow what the
// laptop approved, never widen it, across reloads and restarts.
describe("the approved allowlist", () => {
  let broker: BrokerHandle;
  let projectPath: string;
  let socket: string;
  const served = async (): Promise<Record<string, string | undefined>> => {
    const names = ["A", "B", "C"];
    const replies = await requestLines(socket, names.map((name) => JSON.stringify({ op: "get", name })));
    return Object.fromEntries(names.map((n, i) => {
      const r = replies[i] ?? {};
      return [n, r.ok === true ? String(r.value) : String(r.code)];
    }));
  };
  const info = async (): Promise<Record<string, unknown>> => (await requestLines(socket, [JSON.stringify({ op: "info" })]))[0] ?? {};
  const editFile = (allowlist: string[]): void => { writeProject(join(broker.dir, "projects"), "narrow", { allowlist }); };
  /** What the laptop sends: the names the user approved. */
  const reload = (allowlist?: string[]): Promise<Record<string, unknown>> =>
    broker.admin(allowlist === undefined ? { op: "reload", name: "narrow" } : { op: "reload", name: "narrow", allowlist });

  beforeAll(async () => {
    broker = await startBroker();
    await broker.pushSecrets({ A: "a", B: "b", C: "c" });
    projectPath = writeProject(join(broker.dir, "projects"), "narrow", { allowlist: ["A", "B"] });
    const r = await broker.admin({ op: "register", name: "narrow", project_path: projectPath, allowlist: ["A", "B"] });
    expect(r).toMatchObject({ ok: true, allowlist: ["A", "B"] });
    socket = String(r.socket_path);
  });
  afterAll(async () => { await broker.stop(); });

  it("a name added to the file on the node is served neither after a reload with the same approvals nor after a restart", async () => {
    editFile(["A", "B", "C"]);
    expect(await reload(["A", "B"])).toEqual({ ok: true, allowlist: ["A", "B"] });
    expect(await served()).toEqual({ A: "a", B: "b", C: "denied" });
    const i = await info();
    expect(i).toEqual({ ok: true, project: "narrow", allowlist: ["A", "B"], schema_version: 1, approved_count: 2, narrowed_count: 0, unapproved_count: 1 });
    expect(validators.validateInfoResponse(i)).toBe(true);
    await broker.stop();
    await broker.restart();
    expect(await served()).toEqual({ A: "a", B: "b", C: "denied" });
    const status = await broker.admin({ op: "status" });
    expect(validators.validateStatusResponse(status)).toBe(true);
    expect((status.projects as Record<string, unknown>[]).find((p) => p.name === "narrow")).toMatchObject({ allowlist_size: 2, approved_count: 2, narrowed_count: 0, unapproved_count: 1 });
  });

  it("a name removed from the file is no longer served, at once after a reload and after a kill -9 and restart", async () => {
    editFile(["A"]);
    expect(await reload(["A", "B"])).toEqual({ ok: true, allowlist: ["A"] });
    expect(await served()).toEqual({ A: "a", B: "denied", C: "denied" });
    expect(await info()).toMatchObject({ approved_count: 2, narrowed_count: 1, unapproved_count: 0 });
    // Narrowed by the file while the broker is down, with no reload at all.
    editFile(["A", "B"]);
    await broker.kill9();
    editFile([]);
    await broker.restart();
    expect(await served()).toEqual({ A: "denied", B: "denied", C: "denied" });
  });

  it("a reload with a new approved list serves what the user approved and the file lists", async () => {
    editFile(["A", "B", "C"]);
    expect(await reload(["A", "B", "C"])).toEqual({ ok: true, allowlist: ["A", "B", "C"] });
    expect(await served()).toEqual({ A: "a", B: "b", C: "c" });
    expect(await reload([])).toEqual({ ok: true, allowlist: [] });
    expect(await served()).toEqual({ A: "denied", B: "denied", C: "denied" });
  });

  it("a reload without an allowlist (root on the node) approves what the file says at that moment", async () => {
    editFile(["B"]);
    expect(await reload()).toEqual({ ok: true, allowlist: ["B"] });
    editFile(["A", "B", "C"]);
    await broker.stop();
    await broker.restart();
    expect(await served()).toEqual({ A: "denied", B: "b", C: "denied" });
  });
});
