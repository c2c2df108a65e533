import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validators } from "#protocol";
import { connectLines, readAudit, requestLines, startBroker, writeProject, type BrokerHandle } from "../helpers/broker-process.ts";

// Every op of the wire protocol (docs/architecture.md#wire-protocol) and every error code, against the real daemon on real Unix sockets.
describe("remo-broker ops (real sockets)", () => {
  let broker: BrokerHandle;
  let sock: string;

  beforeAll(async () => {
    // Rate limiting has its own test below; here pipelining must not hit it.
    broker = await startBroker({ extraArgs: ["--rate-limit", "100000", "--rate-burst", "100000"] });
    sock = (await broker.registerProject("app", { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "MISSING"] })).socketPath;
  });
  afterAll(async () => { await broker.stop(); });

  const get = async (name: string, socketPath = sock): Promise<Record<string, unknown>> => {
    const [r] = await requestLines(socketPath, [JSON.stringify({ op: "get", name })]);
    return r!;
  };

  describe("project socket", () => {
    it("answers ping with the broker and protocol versions", async () => {
      const [r] = await requestLines(sock, [JSON.stringify({ op: "ping" })]);
      expect(r).toEqual({ ok: true, broker_version: "0.1.0", protocol_version: 2, project: "app" });
      expect(validators.validatePingResponse(r)).toBe(true);
    });

    it("answers info with the manifest's allowlist", async () => {
      const [r] = await requestLines(sock, [JSON.stringify({ op: "info" })]);
      expect(r).toEqual({ ok: true, project: "app", allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "MISSING"], schema_version: 1, approved_count: 3, narrowed_count: 0, unapproved_count: 0 });
      expect(validators.validateInfoResponse(r)).toBe(true);
    });

    it("answers not_found for every allowed get before any bundle is pushed", async () => {
      const r = await get("GITHUB_TOKEN");
      expect(r).toMatchObject({ ok: false, code: "not_found" });
      expect(validators.validateErrorResponse(r)).toBe(true);
    });

    it("serves a pushed value with ttl_seconds, and audits the get with the peer", async () => {
      expect(await broker.pushSecrets({ GITHUB_TOKEN: "gh-value", NPM_TOKEN: "npm-value", OTHER: "x" })).toMatchObject({ ok: true, secret_count: 3 });
      const r = await get("GITHUB_TOKEN");
      expect(r).toEqual({ ok: true, value: "gh-value", ttl_seconds: 600 });
      expect(validators.validateGetResponse(r)).toBe(true);
      const records = await readAudit(broker.auditFile, (rs) => rs.some((x) => x.event === "secret.get" && x.secret === "GITHUB_TOKEN" && x.outcome === "ok"));
      const rec = records.find((x) => x.event === "secret.get" && x.outcome === "ok")!;
      expect(rec).toMatchObject({ project: "app", secret: "GITHUB_TOKEN", peer_uid: process.getuid!() });
      expect(typeof rec.peer_pid).toBe("number");
    });

    it("answers denied for a name outside the allowlist, even when the bundle has it", async () => {
      const r = await get("OTHER");
      expect(r).toMatchObject({ ok: false, code: "denied" });
      expect(String(r.message)).toContain("allowlist");
      expect(JSON.stringify(r)).not.toContain("\"x\"");
    });

    it("answers not_found for an allowed name the bundle lacks", async () => {
      expect(await get("MISSING")).toMatchObject({ ok: false, code: "not_found" });
    });

    it("answers protocol_error for an invalid secret name and keeps the connection", async () => {
      const c = await connectLines(sock);
      c.send({ op: "get", name: "bad-name!" });
      expect(await c.next()).toMatchObject({ ok: false, code: "protocol_error" });
      c.send({ op: "ping" });
      expect(await c.next()).toMatchObject({ ok: true, project: "app" });
      c.destroy();
    });

    it("answers pipelined requests in order on one connection", async () => {
      const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify(i % 3 === 0 ? { op: "get", name: "GITHUB_TOKEN" } : i % 3 === 1 ? { op: "get", name: "NPM_TOKEN" } : { op: "ping" }));
      const replies = await requestLines(sock, lines);
      expect(replies).toHaveLength(300);
      replies.forEach((r, i) => {
        if (i % 3 === 0) expect(r).toEqual({ ok: true, value: "gh-value", ttl_seconds: 600 });
        else if (i % 3 === 1) expect(r).toEqual({ ok: true, value: "npm-value", ttl_seconds: 600 });
        else expect(r).toMatchObject({ ok: true, project: "app" });
      });
    });

    it("serves many connections concurrently, each in order", async () => {
      const results = await Promise.all(Array.from({ length: 24 }, (_, c) => requestLines(sock, Array.from({ length: 20 }, (_, i) => JSON.stringify((c + i) % 2 === 0 ? { op: "get", name: "GITHUB_TOKEN" } : { op: "info" })))));
      results.forEach((replies, c) => {
        expect(replies).toHaveLength(20);
        replies.forEach((r, i) => { expect(r.ok).toBe(true); expect("value" in r).toBe((c + i) % 2 === 0); });
      });
    });

    it("has mode 0660 owned by the project folder's owner", () => {
      const st = statSync(sock);
      expect(st.mode & 0o777).toBe(0o660);
      const owner = statSync(join(broker.dir, "projects", "app"));
      expect([st.uid, st.gid]).toEqual([owner.uid, owner.gid]);
    });
  });

  describe("admin socket", () => {
    it("is 0600", () => {
      expect(statSync(broker.adminSocket).mode & 0o777).toBe(0o600);
    });

    it("get-public-key returns the identity's recipient", async () => {
      const r = await broker.admin({ op: "get-public-key" });
      expect(r).toEqual({ ok: true, recipient: broker.recipient });
      expect(validators.validatePublicKeyResponse(r)).toBe(true);
    });

    it("status reports versions, counts, key source and projects", async () => {
      const r = await broker.admin({ op: "status" });
      expect(validators.validateStatusResponse(r), JSON.stringify(validators.validateStatusResponse.errors)).toBe(true);
      expect(r).toMatchObject({ ok: true, broker_version: "0.1.0", protocol_version: 2, secret_count: 3, decryption_key_source: "plaintext", audit_writable: true });
      expect(typeof r.secrets_loaded_at).toBe("string");
      expect(r.projects).toContainEqual(expect.objectContaining({ name: "app", socket_path: sock, allowlist_size: 3 }));
    });

    it("register refuses a second project of the same name (project_exists)", async () => {
      const r = await broker.admin({ op: "register", name: "app", project_path: join(broker.dir, "projects", "app") });
      expect(r).toMatchObject({ ok: false, code: "project_exists" });
    });

    it("register answers manifest_not_found for a folder without a manifest", async () => {
      const r = await broker.admin({ op: "register", name: "empty", project_path: broker.dir });
      expect(r).toMatchObject({ ok: false, code: "manifest_not_found" });
      expect(String(r.message)).toContain(".devcontainer/remo-broker.toml");
    });

    it("register answers manifest_invalid (with the reason) and audits manifest.invalid", async () => {
      const path = writeProject(join(broker.dir, "projects"), "broken", { allowlist: ["bad-name"] });
      const r = await broker.admin({ op: "register", name: "broken", project_path: path });
      expect(r).toMatchObject({ ok: false, code: "manifest_invalid" });
      expect(String(r.message)).toMatch(/Secret name/);
      await readAudit(broker.auditFile, (rs) => rs.some((x) => x.event === "manifest.invalid" && x.project === "broken"));
      expect(existsSync(join(broker.runtimeDir, "projects", "broken"))).toBe(false);
    });

    it("register refuses a manifest naming another project", async () => {
      const path = writeProject(join(broker.dir, "projects"), "named", {});
      const r = await broker.admin({ op: "register", name: "other", project_path: path });
      expect(r).toMatchObject({ ok: false, code: "manifest_invalid" });
    });

    it("reload applies an edited allowlist; unknown projects get project_unknown", async () => {
      const { projectPath, socketPath } = await broker.registerProject("reloading", { allowlist: ["GITHUB_TOKEN"] });
      expect(await get("NPM_TOKEN", socketPath)).toMatchObject({ code: "denied" });
      writeProject(join(broker.dir, "projects"), "reloading", { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] });
      const r = await broker.admin({ op: "reload", name: "reloading" });
      expect(r).toEqual({ ok: true, allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] });
      expect(validators.validateReloadResponse(r)).toBe(true);
      expect(await get("NPM_TOKEN", socketPath)).toMatchObject({ ok: true, value: "npm-value" });
      expect(await broker.admin({ op: "reload", name: "nope" })).toMatchObject({ ok: false, code: "project_unknown" });
      // A broken edit is refused and the old allowlist stays in force.
      writeProject(join(broker.dir, "projects"), "reloading", { allowlist: ["NPM-TOKEN"] });
      expect(await broker.admin({ op: "reload", name: "reloading" })).toMatchObject({ ok: false, code: "manifest_invalid" });
      expect(await get("NPM_TOKEN", socketPath)).toMatchObject({ ok: true });
      expect(projectPath).toContain("reloading");
      await readAudit(broker.auditFile, (rs) => rs.some((x) => x.event === "project.reload" && x.project === "reloading"));
    });

    it("unregister removes the socket; a second unregister gets project_unknown", async () => {
      const { socketPath } = await broker.registerProject("temp", { allowlist: [] });
      expect(existsSync(socketPath)).toBe(true);
      expect(await broker.admin({ op: "unregister", name: "temp" })).toEqual({ ok: true });
      expect(existsSync(socketPath)).toBe(false);
      expect(await broker.admin({ op: "unregister", name: "temp" })).toMatchObject({ ok: false, code: "project_unknown" });
    });

    it("push-creds with project overrides the node-wide bundle for that project only", async () => {
      const { socketPath } = await broker.registerProject("scoped", { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] });
      const r = await broker.pushSecrets({ GITHUB_TOKEN: "scoped-gh" }, "scoped");
      expect(validators.validatePushCredsResponse(r)).toBe(true);
      expect(r).toMatchObject({ ok: true, secret_count: 1 });
      expect(await get("GITHUB_TOKEN", socketPath)).toMatchObject({ value: "scoped-gh" });
      expect(await get("NPM_TOKEN", socketPath)).toMatchObject({ value: "npm-value" });
      expect(await get("GITHUB_TOKEN")).toMatchObject({ value: "gh-value" });
      const status = await broker.admin({ op: "status" });
      expect(status.projects).toContainEqual(expect.objectContaining({ name: "scoped", secret_count: 1 }));
      // clear-creds for the project falls back to the node-wide value and removes its file.
      expect(await broker.admin({ op: "clear-creds", project: "scoped" })).toEqual({ ok: true });
      expect(existsSync(join(broker.stateDir, "bundles", "project-scoped.age"))).toBe(false);
      expect(await get("GITHUB_TOKEN", socketPath)).toMatchObject({ value: "gh-value" });
    });

    it("push-creds answers invalid_payload for bytes that are not age, and changes nothing", async () => {
      const r = await broker.admin({ op: "push-creds", ciphertext_b64: Buffer.from("hello, not age").toString("base64") });
      expect(r).toMatchObject({ ok: false, code: "invalid_payload" });
      expect(await get("GITHUB_TOKEN")).toMatchObject({ value: "gh-value" });
    });

    it("push-creds answers invalid_payload for a bundle that is not a TOML table of valid names", async () => {
      const { Encrypter } = await import("age-encryption");
      for (const plaintext of ["NOT TOML ===", "bad-name = \"v\"\n", "N = 1\n"]) {
        const e = new Encrypter();
        e.addRecipient(broker.recipient);
        const ct = Buffer.from(await e.encrypt(plaintext)).toString("base64");
        const r = await broker.admin({ op: "push-creds", ciphertext_b64: ct });
        expect(r, plaintext).toMatchObject({ ok: false, code: "invalid_payload" });
      }
      expect(await get("GITHUB_TOKEN")).toMatchObject({ value: "gh-value" });
    });

    it("push-creds answers decrypt_failed for a bundle made for another key, and the old secrets still serve", async () => {
      const { generateX25519Identity, identityToRecipient, Encrypter } = await import("age-encryption");
      const other = await identityToRecipient(await generateX25519Identity());
      const e = new Encrypter();
      e.addRecipient(other);
      const ct = Buffer.from(await e.encrypt("GITHUB_TOKEN = \"evil\"\n")).toString("base64");
      const r = await broker.admin({ op: "push-creds", ciphertext_b64: ct });
      expect(r).toMatchObject({ ok: false, code: "decrypt_failed" });
      expect(await get("GITHUB_TOKEN")).toMatchObject({ value: "gh-value" });
      await readAudit(broker.auditFile, (rs) => rs.some((x) => x.event === "secrets.pushed" && x.outcome === "decrypt_failed"));
    });

    it("audit returns records filtered by project, since and limit", async () => {
      const all = await broker.admin({ op: "audit", limit: 10000 });
      expect(validators.validateAuditResponse(all), JSON.stringify(validators.validateAuditResponse.errors)).toBe(true);
      const records = all.records as Record<string, unknown>[];
      // The newest records that fit one 64 KiB reply, in file order.
      expect(records.length).toBeGreaterThan(10);
      expect(Buffer.byteLength(JSON.stringify(all))).toBeLessThan(65536);
      expect(records.map((r) => Date.parse(String(r.ts)))).toEqual(records.map((r) => Date.parse(String(r.ts))).sort((a, b) => a - b));
      const first = await broker.admin({ op: "audit", limit: 1, project: "app" });
      expect(first.records).toEqual([expect.objectContaining({ project: "app" })]);
      const app = await broker.admin({ op: "audit", project: "app", limit: 10000 });
      expect((app.records as Record<string, unknown>[]).every((x) => x.project === "app")).toBe(true);
      expect((app.records as unknown[]).length).toBeGreaterThan(0);
      const two = await broker.admin({ op: "audit", limit: 2 });
      expect((two.records as unknown[]).length).toBe(2);
      const last = records.at(-1)!;
      const since = await broker.admin({ op: "audit", since: String(last.ts), limit: 10000 });
      expect((since.records as Record<string, unknown>[]).every((x) => Date.parse(String(x.ts)) >= Date.parse(String(last.ts)))).toBe(true);
    });

    it("answers protocol_error for an unknown op, missing fields and wrong types", async () => {
      const replies = await requestLines(broker.adminSocket, [
        JSON.stringify({ op: "explode" }),
        JSON.stringify({ op: "register", name: "x" }),
        JSON.stringify({ op: "push-creds", ciphertext_b64: 42 }),
        JSON.stringify({ op: "status" }),
      ]);
      expect(replies.map((r) => r.code ?? "ok")).toEqual(["protocol_error", "protocol_error", "protocol_error", "ok"]);
      expect(String(replies[0]!.message)).toContain("unknown op");
      expect(String(replies[1]!.message)).toContain("project_path");
    });
  });
});

describe("remo-broker node-wide clear-creds", () => {
  it("empties memory, zeroes and unlinks the stored bundle", async () => {
    const broker = await startBroker();
    try {
      const { socketPath } = await broker.registerProject("p", { allowlist: ["A"] });
      await broker.pushSecrets({ A: "a-value" });
      const file = join(broker.stateDir, "bundles", "node.age");
      expect(readFileSync(file).length).toBeGreaterThan(0);
      expect(await broker.admin({ op: "clear-creds" })).toEqual({ ok: true });
      expect(existsSync(file)).toBe(false);
      expect((await requestLines(socketPath, [JSON.stringify({ op: "get", name: "A" })]))[0]).toMatchObject({ code: "not_found" });
      expect(await broker.admin({ op: "status" })).toMatchObject({ secret_count: 0, secrets_loaded_at: null });
      await readAudit(broker.auditFile, (rs) => rs.some((x) => x.event === "secrets.cleared"));
    } finally {
      await broker.stop();
    }
  });
});
