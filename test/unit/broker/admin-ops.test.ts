import { describe, expect, it } from "vitest";
import { RemoError, type AuditQuery, type StatusResponse } from "#protocol";
import { answerAdminRequest, defaultAuditLimit, type AdminBackend } from "../../../broker/src/requests/admin-ops.ts";

/** A backend that records calls; one unit test of one module, so a fake is fine here. */
function fakeBackend(overrides: Partial<AdminBackend> = {}): AdminBackend & { calls: unknown[] } {
  const calls: unknown[] = [];
  const status: StatusResponse = { ok: true, broker_version: "0.1.0", protocol_version: 2, uptime_seconds: 0, secrets_loaded_at: null, secret_count: 0, decryption_key_source: "plaintext", projects: [] };
  return {
    calls,
    register: (req) => { calls.push(["register", req]); return Promise.resolve({ socket_path: `/run/projects/${req.name}/sock`, allowlist: ["A"] }); },
    unregister: (name) => { calls.push(["unregister", name]); return Promise.resolve(); },
    reload: (name, approved) => { calls.push(["reload", name, approved]); return Promise.resolve({ allowlist: ["A"] }); },
    status: () => status,
    recipient: () => Promise.resolve("age1recipient"),
    pushCreds: (ct, project) => { calls.push(["push", Buffer.from(ct).toString(), project]); return Promise.resolve({ loaded_at: "t", secret_count: 2 }); },
    clearCreds: (project) => { calls.push(["clear", project]); return Promise.resolve(); },
    readAudit: (q: AuditQuery) => { calls.push(["audit", q]); return Promise.resolve([]); },
    protocolError: (d) => { calls.push(["protocol.error", d]); },
    ...overrides,
  };
}

describe("answerAdminRequest", () => {
  it("dispatches each op with the wire fields", async () => {
    const b = fakeBackend();
    expect(await answerAdminRequest({ op: "register", name: "p", project_path: "/p", allowlist: ["A", "B"], peer_uids: [1], socket_owner: "1:1" }, b)).toEqual({ ok: true, socket_path: "/run/projects/p/sock", allowlist: ["A"] });
    expect(await answerAdminRequest({ op: "unregister", name: "p" }, b)).toEqual({ ok: true });
    expect(await answerAdminRequest({ op: "reload", name: "p" }, b)).toEqual({ ok: true, allowlist: ["A"] });
    expect(await answerAdminRequest({ op: "reload", name: "p", allowlist: [] }, b)).toEqual({ ok: true, allowlist: ["A"] });
    expect(await answerAdminRequest({ op: "get-public-key" }, b)).toEqual({ ok: true, recipient: "age1recipient" });
    expect(await answerAdminRequest({ op: "push-creds", ciphertext_b64: Buffer.from("ct").toString("base64"), project: "p" }, b)).toEqual({ ok: true, loaded_at: "t", secret_count: 2 });
    expect(await answerAdminRequest({ op: "clear-creds" }, b)).toEqual({ ok: true });
    expect(await answerAdminRequest({ op: "audit", project: "p" }, b)).toEqual({ ok: true, records: [] });
    expect(await answerAdminRequest({ op: "status" }, b)).toMatchObject({ ok: true, protocol_version: 2 });
    expect(b.calls).toEqual([
      ["register", { op: "register", name: "p", project_path: "/p", allowlist: ["A", "B"], peer_uids: [1], socket_owner: "1:1" }],
      ["unregister", "p"], ["reload", "p", undefined], ["reload", "p", []], ["push", "ct", "p"], ["clear", undefined], ["audit", { limit: defaultAuditLimit, project: "p" }],
    ]);
  });

  it("maps a RemoError to its wire error", async () => {
    const b = fakeBackend({ reload: () => Promise.reject(new RemoError("project_unknown", "No project \"x\" is registered.")) });
    expect(await answerAdminRequest({ op: "reload", name: "x" }, b)).toEqual({ ok: false, code: "project_unknown", message: "No project \"x\" is registered." });
  });

  it("rethrows anything else (the connection loop answers internal_error)", async () => {
    const b = fakeBackend({ clearCreds: () => Promise.reject(new Error("boom")) });
    await expect(answerAdminRequest({ op: "clear-creds" }, b)).rejects.toThrow("boom");
  });

  it("answers protocol_error for invalid requests and records them", async () => {
    const b = fakeBackend();
    expect(await answerAdminRequest({ op: "register", name: "Bad Name", project_path: "/p" }, b)).toMatchObject({ ok: false, code: "protocol_error" });
    expect(await answerAdminRequest({ op: "audit", limit: 0 }, b)).toMatchObject({ ok: false, code: "protocol_error" });
    expect(b.calls.filter((c) => (c as string[])[0] === "protocol.error")).toHaveLength(2);
  });

  it.each([
    [{ op: "reload", name: "p", allowlist: ["ok", "bad name"] }],
    [{ op: "reload", name: "p", allowlist: ["A", "A"] }],
    [{ op: "register", name: "p", project_path: "/p", allowlist: "A,B" }],
  ])("refuses a malformed approved allowlist %j without calling the backend", async (req) => {
    const b = fakeBackend();
    expect(await answerAdminRequest(req, b)).toMatchObject({ ok: false, code: "protocol_error" });
    expect(b.calls.map((c) => (c as string[])[0])).toEqual(["protocol.error"]);
  });
});
