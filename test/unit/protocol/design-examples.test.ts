import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkAdminRequest, checkProjectRequest, ERROR_CODES, parseManifest, validators } from "#protocol";

// docs/architecture.md is the contract: every example message in it must pass our schemas.
// The examples are copied here as data; the last tests check the document still shows them.
const projectRequests = [
  { op: "get", name: "X" },
  { op: "ping" },
  { op: "info" },
];
const adminRequests = [
  { op: "register", name: "myrepo", project_path: "/home/dev/myrepo" },
  { op: "register", name: "myrepo", project_path: "/home/dev/myrepo", peer_uids: [1000], socket_owner: "1000:1000" },
  { op: "unregister", name: "myrepo" },
  { op: "reload", name: "myrepo" },
  { op: "register", name: "myrepo", project_path: "/home/dev/myrepo", allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] },
  { op: "reload", name: "myrepo", allowlist: [] },
  { op: "status" },
  { op: "get-public-key" },
  { op: "push-creds", ciphertext_b64: "YWdlLWVuY3J5cHRpb24=" },
  { op: "push-creds", ciphertext_b64: "YWdlLWVuY3J5cHRpb24=", project: "myrepo" },
  { op: "clear-creds" },
  { op: "clear-creds", project: "myrepo" },
  { op: "audit" },
  { op: "audit", since: "2026-01-01T00:00:00.000Z", limit: 10, project: "myrepo" },
];
const responses: [keyof typeof validators, unknown][] = [
  ["validateGetResponse", { ok: true, value: "…", ttl_seconds: 600 }],
  ["validateGetResponse", { ok: true, value_b64: "/w==", ttl_seconds: 600 }],
  ["validatePingResponse", { ok: true, broker_version: "0.1.0", protocol_version: 2, project: "myrepo" }],
  ["validateInfoResponse", { ok: true, project: "myrepo", allowlist: ["GITHUB_TOKEN"], schema_version: 1 }],
  ["validateRegisterResponse", { ok: true, socket_path: "/run/remo-broker/projects/myrepo/sock", allowlist: ["GITHUB_TOKEN"] }],
  ["validateEmptyResponse", { ok: true }],
  ["validateReloadResponse", { ok: true, allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] }],
  ["validateStatusResponse", { ok: true, broker_version: "0.1.0", protocol_version: 2, uptime_seconds: 3, secrets_loaded_at: null, secret_count: 0, decryption_key_source: "plaintext", projects: [{ name: "myrepo", socket_path: "/run/remo-broker/projects/myrepo/sock", allowlist_size: 2, cache_entries: 0, approved_count: 3, narrowed_count: 1, unapproved_count: 0 }] }],
  ["validatePublicKeyResponse", { ok: true, recipient: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p" }],
  ["validatePushCredsResponse", { ok: true, loaded_at: "2026-01-01T00:00:00.000Z", secret_count: 2 }],
  ["validateAuditResponse", { ok: true, records: [{ ts: "2026-01-01T00:00:00.000Z", event: "secret.get", project: "myrepo", secret: "GITHUB_TOKEN", outcome: "ok", peer_uid: 1000, peer_pid: 42 }] }],
  ["validateErrorResponse", { ok: false, code: "rate_limited", message: "slow down", retry_after_seconds: 2 }],
];

describe("docs/architecture.md examples", () => {
  it.each(projectRequests)("project request %j validates", (m) => {
    expect(checkProjectRequest(m)).toEqual({ ok: true, request: m });
  });
  it.each(adminRequests)("admin request %j validates", (m) => {
    expect(checkAdminRequest(m)).toEqual({ ok: true, request: m });
  });
  it.each(responses)("%s accepts its example", (name, m) => {
    expect(validators[name](m), JSON.stringify(validators[name].errors)).toBe(true);
  });
  it.each(ERROR_CODES.map((c) => [c]))("error code %s is in the wire schema", (code) => {
    expect(validators.validateErrorResponse({ ok: false, code, message: "m" })).toBe(true);
  });

  it("the contract's manifest example is valid", () => {
    const text = `schema_version = 1

[project]
name = "myrepo"                 # ^[a-z0-9][a-z0-9_-]{0,63}$ and equal to the project directory's basename
description = "optional, at most 256 characters"

[allowlist]
secrets = ["GITHUB_TOKEN", "NPM_TOKEN"]   # each ^[A-Za-z0-9_]{1,128}$, case-sensitive, no duplicates; [] is legal

[cache]                         # optional; may only lower the broker's defaults
ttl_seconds = 600               # 1..86400
max_entries = 64                # 1..1024
`;
    const r = parseManifest(text, { folderName: "myrepo" });
    expect(r.issues).toEqual([]);
    expect(r.manifest).toEqual({ schemaVersion: 1, project: { name: "myrepo", description: "optional, at most 256 characters" }, allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"], cache: { ttlSeconds: 600, maxEntries: 64 } });
  });

  it("the copied examples still match docs/architecture.md", () => {
    const design = readFileSync(new URL("../../../docs/architecture.md", import.meta.url), "utf8");
    for (const line of ["{\"op\":\"get\",\"name\":\"X\"}", "{\"op\":\"ping\"}", "{\"op\":\"info\"}"]) expect(design).toContain(line);
    for (const op of ["register", "unregister", "reload", "status", "get-public-key", "push-creds", "clear-creds", "audit"]) expect(design).toContain(`| \`${op}\``);
  });

  it("the manifest example in docs/architecture.md is valid", () => {
    const design = readFileSync(new URL("../../../docs/architecture.md", import.meta.url), "utf8");
    const example = /^## Manifest\n[\s\S]*?```toml\n([\s\S]*?)```/m.exec(design)?.[1];
    expect(example).toBeDefined();
    expect(parseManifest(example ?? "", { folderName: "myrepo" }).issues).toEqual([]);
  });
});

describe("request checks", () => {
  it("name the missing field, the unknown op, and never echo values", () => {
    expect(checkProjectRequest({ op: "get" })).toEqual({ ok: false, message: "invalid \"get\" request: missing field \"name\"" });
    expect(checkProjectRequest({ op: "nope" })).toEqual({ ok: false, message: "unknown op \"nope\": send one of get, ping, info" });
    expect(checkProjectRequest({ name: "X" })).toEqual({ ok: false, message: "missing \"op\": send one of get, ping, info" });
    const r = checkAdminRequest({ op: "push-creds", ciphertext_b64: 42 });
    expect(r).toEqual({ ok: false, message: "invalid \"push-creds\" request: field \"ciphertext_b64\" must be string" });
  });
});
