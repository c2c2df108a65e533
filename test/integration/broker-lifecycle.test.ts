import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connectLines, readAudit, requestLines, startBroker, writeProject, type BrokerHandle } from "../helpers/broker-process.ts";

const isRoot = process.getuid?.() === 0;
const running: BrokerHandle[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.stop().catch(() => undefined);
});
async function broker(extraArgs: string[] = []): Promise<BrokerHandle> {
  const b = await startBroker({ extraArgs });
  running.push(b);
  return b;
}
const get = async (socketPath: string, name: string): Promise<Record<string, unknown>> =>
  (await requestLines(socketPath, [JSON.stringify({ op: "get", name })]))[0]!;

describe("broker lifecycle", () => {
  it("exits 0 on SIGTERM, records broker.stop last, and removes its sockets", async () => {
    const b = await startBroker();
    const { socketPath } = await b.registerProject("stopping", { allowlist: [] });
    expect(await b.stop()).toBe(0);
    const records = await readAudit(b.auditFile);
    expect(records.at(-1)).toMatchObject({ event: "broker.stop" });
    expect(records[0]).toMatchObject({ event: "broker.start" });
    expect(existsSync(socketPath)).toBe(false);
    expect(existsSync(b.adminSocket)).toBe(false);
  });

  it("drains on SIGTERM: requests already read are all answered before it exits 0", async () => {
    const b = await startBroker();
    const { socketPath } = await b.registerProject("draining", { allowlist: ["A"] });
    await b.pushSecrets({ A: "v0" });
    const { encryptBundle } = await import("../helpers/broker-process.ts");
    const pushes = await Promise.all([1, 2, 3, 4, 5].map(async (i) => JSON.stringify({ op: "push-creds", ciphertext_b64: Buffer.from(await encryptBundle(b.recipient, { A: `v${i}` })).toString("base64") })));
    const c = await connectLines(b.adminSocket);
    c.write(pushes.map((p) => p + "\n").join(""));
    // The first answer proves all five lines were read (one write); SIGTERM while the rest are in flight.
    const first = await c.next();
    const exit = b.stop();
    const rest = [await c.next(), await c.next(), await c.next(), await c.next()];
    expect([first, ...rest].map((r) => r.ok)).toEqual([true, true, true, true, true]);
    await c.closed;
    expect(await exit).toBe(0);
    // The last push is what a restart serves.
    await b.restart();
    running.push(b);
    expect(await get(socketPath, "A")).toMatchObject({ value: "v5" });
  });

  it("keeps registered projects and pushed bundles (stored encrypted) across a restart, and after kill -9", async () => {
    const b = await broker();
    const { socketPath } = await b.registerProject("persist", { allowlist: ["NODE", "PROJ"], peerUids: [process.getuid!()] });
    await b.pushSecrets({ NODE: "node-value", PROJ: "node-proj" });
    await b.pushSecrets({ PROJ: "project-value" }, "persist");
    const nodeFile = join(b.stateDir, "bundles", "node.age");
    const projectFile = join(b.stateDir, "bundles", "project-persist.age");
    for (const f of [nodeFile, projectFile]) {
      const data = readFileSync(f);
      expect(data.subarray(0, 21).toString()).toBe("age-encryption.org/v1");
      expect(data.includes(Buffer.from("node-value"))).toBe(false);
      expect(data.includes(Buffer.from("project-value"))).toBe(false);
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    expect(JSON.parse(readFileSync(join(b.stateDir, "projects.json"), "utf8"))).toMatchObject({ version: 1, projects: [{ name: "persist", peer_uids: [process.getuid!()] }] });

    expect(await b.stop()).toBe(0);
    await b.restart();
    expect(await get(socketPath, "NODE")).toMatchObject({ value: "node-value" });
    expect(await get(socketPath, "PROJ")).toMatchObject({ value: "project-value" });
    const status = await b.admin({ op: "status" });
    expect(status).toMatchObject({ secret_count: 2, warnings: [] });
    expect(status.projects).toEqual([expect.objectContaining({ name: "persist", secret_count: 1 })]);

    // kill -9 leaves stale socket files behind (admin and project); the next start replaces them.
    await b.kill9();
    expect(existsSync(socketPath)).toBe(true);
    expect(existsSync(b.adminSocket)).toBe(true);
    await b.restart();
    expect(await get(socketPath, "NODE")).toMatchObject({ value: "node-value" });
  });

  it("serves not_found for everything when started without any bundle", async () => {
    const b = await broker();
    const { socketPath } = await b.registerProject("fresh", { allowlist: ["A"] });
    expect(await get(socketPath, "A")).toMatchObject({ ok: false, code: "not_found" });
    expect(await b.admin({ op: "status" })).toMatchObject({ secret_count: 0, secrets_loaded_at: null });
  });

  it("refuses to remove a non-socket file in the socket's place", async () => {
    const b = await broker();
    mkdirSync(join(b.runtimeDir, "projects", "squatted"), { mode: 0o750 });
    writeFileSync(join(b.runtimeDir, "projects", "squatted", "sock"), "important");
    const path = writeProject(join(b.dir, "projects"), "squatted", {});
    const r = await b.admin({ op: "register", name: "squatted", project_path: path });
    expect(r).toMatchObject({ ok: false, code: "internal_error" });
    expect(String(r.message)).toContain("is not a socket; move it away");
    expect(readFileSync(join(b.runtimeDir, "projects", "squatted", "sock"), "utf8")).toBe("important");
  });

  it("creates the runtime dir 0755, the audit file 0640 in a 0750 dir, and the project socket 0660 owned by the project folder's owner in a root:<owner gid> 0750 directory", async () => {
    const b = await broker();
    expect(statSync(b.runtimeDir).mode & 0o777).toBe(0o755);
    expect(statSync(b.auditFile).mode & 0o777).toBe(0o640);
    expect(statSync(join(b.auditFile, "..")).mode & 0o777).toBe(0o750);
    const path = writeProject(join(b.dir, "projects"), "owned", { allowlist: [] });
    if (isRoot) chownSync(path, 65534, 65534);
    const r = await b.admin({ op: "register", name: "owned", project_path: path });
    expect(r.socket_path).toBe(join(b.runtimeDir, "projects", "owned", "sock"));
    const st = statSync(String(r.socket_path));
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect([st.uid, st.gid]).toEqual(isRoot ? [65534, 65534] : [process.getuid!(), process.getgid!()]);
    const dir = statSync(join(b.runtimeDir, "projects", "owned"));
    expect(dir.mode & 0o777).toBe(0o750);
    expect([dir.uid, dir.gid]).toEqual([process.getuid!(), isRoot ? 65534 : process.getgid!()]);
    expect(statSync(join(b.runtimeDir, "projects")).mode & 0o777).toBe(0o755);
  });

  it("restores a project whose manifest broke while the broker was down: allows nothing, warns, and reload fixes it", async () => {
    const b = await broker();
    const { projectPath, socketPath } = await b.registerProject("fragile", { allowlist: ["A"] });
    await b.pushSecrets({ A: "a" });
    expect(await b.stop()).toBe(0);
    writeFileSync(join(projectPath, ".devcontainer", "remo-broker.toml"), "schema_version = 2\n");
    await b.restart();
    const status = await b.admin({ op: "status" });
    expect((status.warnings as string[]).join("\n")).toContain("fragile");
    expect(await get(socketPath, "A")).toMatchObject({ code: "denied" });
    writeProject(join(b.dir, "projects"), "fragile", { allowlist: ["A"] });
    expect(await b.admin({ op: "reload", name: "fragile" })).toEqual({ ok: true, allowlist: ["A"] });
    expect(await get(socketPath, "A")).toMatchObject({ value: "a" });
  });
});

describe("per-project cache limits", () => {
  it("uses the manifest's ttl_seconds when lower than the broker's, and caps a higher one", async () => {
    const b = await broker(["--cache-ttl", "300"]);
    await b.pushSecrets({ A: "a" });
    const low = await b.registerProject("lowttl", { allowlist: ["A"], cache: { ttl_seconds: 30 } });
    const high = await b.registerProject("highttl", { allowlist: ["A"], cache: { ttl_seconds: 3600 } });
    const none = await b.registerProject("nottl", { allowlist: ["A"] });
    expect(await get(low.socketPath, "A")).toEqual({ ok: true, value: "a", ttl_seconds: 30 });
    expect(await get(high.socketPath, "A")).toEqual({ ok: true, value: "a", ttl_seconds: 300 });
    expect(await get(none.socketPath, "A")).toEqual({ ok: true, value: "a", ttl_seconds: 300 });
  });

  it("holds at most max_entries values, reports cache_entries, and empties the cache on push", async () => {
    const b = await broker();
    await b.pushSecrets({ A: "a", B: "b", C: "c" });
    const { socketPath } = await b.registerProject("small", { allowlist: ["A", "B", "C"], cache: { max_entries: 2 } });
    const entries = async (): Promise<unknown> => ((await b.admin({ op: "status" })).projects as { name: string; cache_entries: number }[]).find((p) => p.name === "small")?.cache_entries;
    expect(await entries()).toBe(0);
    await get(socketPath, "A");
    expect(await entries()).toBe(1);
    await get(socketPath, "B");
    await get(socketPath, "C");
    expect(await entries()).toBe(2);
    await b.pushSecrets({ A: "a2" });
    expect(await entries()).toBe(0);
    // A push is seen at once, never hidden by the cache.
    expect(await get(socketPath, "A")).toMatchObject({ value: "a2" });
  });
});

describe("state directory contents", () => {
  it("holds only the registry and age ciphertext, never a plaintext value", async () => {
    const b = await broker();
    await b.registerProject("scan", { allowlist: ["A"] });
    await b.pushSecrets({ A: "plaintext-must-not-hit-disk" });
    await b.pushSecrets({ A: "plaintext-must-not-hit-disk-2" }, "scan");
    const files = readdirSync(b.stateDir, { recursive: true }).map(String).sort();
    expect(files).toEqual(["bundles", "bundles/node.age", "bundles/project-scan.age", "projects.json"]);
    for (const f of files.filter((x) => x.endsWith(".age") || x.endsWith(".json"))) {
      expect(readFileSync(join(b.stateDir, f), "latin1")).not.toContain("plaintext-must-not-hit-disk");
    }
  });
});
