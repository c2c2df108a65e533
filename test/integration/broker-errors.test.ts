import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { brokerBin, readAudit, requestLines, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

// The error codes that need a broker set up for them: rate_limited, peer_unexpected,
// internal_error, storage_failed; plus an unwritable audit file.
const running: BrokerHandle[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.stop();
});
async function broker(extraArgs: string[] = []): Promise<BrokerHandle> {
  const b = await startBroker({ extraArgs });
  running.push(b);
  return b;
}

/** Runs one request from a process with another UID (real SO_PEERCRED), printing the reply. */
function requestAs(uid: number, socketPath: string, request: object): Promise<Record<string, unknown>> {
  const script = `
    const net = require("node:net");
    const s = net.connect(process.argv[1], () => s.write(process.argv[2] + "\\n"));
    let buf = "";
    s.on("data", (d) => { buf += d; if (buf.includes("\\n")) { process.stdout.write(buf.split("\\n")[0]); s.destroy(); } });
    s.on("error", (e) => { process.stdout.write(JSON.stringify({ client_error: e.code })); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script, socketPath, JSON.stringify(request)], { uid, gid: uid, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve(JSON.parse(out) as Record<string, unknown>);
      } catch {
        reject(new Error(`client as uid ${uid} printed ${JSON.stringify(out)}; stderr: ${err}`));
      }
    });
  });
}

describe("rate_limited", () => {
  it("answers rate_limited with retry_after_seconds once a peer's bucket is empty, and audits it", async () => {
    const b = await broker(["--rate-limit", "1", "--rate-burst", "3"]);
    const { socketPath } = await b.registerProject("limited", { allowlist: ["A"] });
    await b.pushSecrets({ A: "a" });
    const replies = await requestLines(socketPath, Array.from({ length: 5 }, () => JSON.stringify({ op: "get", name: "A" })));
    expect(replies.slice(0, 3)).toEqual(Array.from({ length: 3 }, () => ({ ok: true, value: "a", ttl_seconds: 600 })));
    for (const r of replies.slice(3)) {
      expect(r).toMatchObject({ ok: false, code: "rate_limited" });
      expect(r.retry_after_seconds).toBeGreaterThan(0);
      expect(r.retry_after_seconds).toBeLessThanOrEqual(1);
    }
    // The bucket is per peer, not per connection: a new connection is still limited.
    expect((await requestLines(socketPath, [JSON.stringify({ op: "get", name: "A" })]))[0]).toMatchObject({ code: "rate_limited" });
    // ping and info are not rate-limited (health checks keep working).
    expect((await requestLines(socketPath, [JSON.stringify({ op: "ping" })]))[0]).toMatchObject({ ok: true });
    await readAudit(b.auditFile, (rs) => rs.some((r) => r.event === "secret.get" && r.outcome === "rate_limited"));
  });
});

describe("peer_unexpected (SO_PEERCRED)", () => {
  const isRoot = process.getuid?.() === 0;

  it.runIf(isRoot)("refuses a peer whose UID is not in peer_uids, audits peer.unexpected, and serves an allowed UID", async () => {
    const b = await broker();
    await b.pushSecrets({ A: "a-value" });
    // The socket belongs to 65534 so that user can connect; only UID 12345 is allowed on top.
    const restricted = await b.registerProject("restricted", { allowlist: ["A"], peerUids: [12345], socketOwner: "65534:65534" });
    const r = await requestAs(65534, restricted.socketPath, { op: "get", name: "A" });
    expect(r).toMatchObject({ ok: false, code: "peer_unexpected" });
    expect(String(r.message)).toContain("UID 65534");
    expect(JSON.stringify(r)).not.toContain("a-value");
    const records = await readAudit(b.auditFile, (rs) => rs.some((x) => x.event === "peer.unexpected"));
    expect(records.find((x) => x.event === "peer.unexpected")).toMatchObject({ project: "restricted", peer_uid: 65534, outcome: "peer_unexpected" });
    // Root (this test process) is not in the list either.
    expect((await requestLines(restricted.socketPath, [JSON.stringify({ op: "get", name: "A" })]))[0]).toMatchObject({ code: "peer_unexpected" });

    const open = await b.registerProject("allowed", { allowlist: ["A"], peerUids: [65534], socketOwner: "65534:65534" });
    expect(await requestAs(65534, open.socketPath, { op: "get", name: "A" })).toEqual({ ok: true, value: "a-value", ttl_seconds: 600 });
  });

  it.runIf(isRoot)("keeps other users out by the socket's mode 0660 when peer_uids is not set", async () => {
    const b = await broker();
    const { socketPath } = await b.registerProject("private", { allowlist: ["A"], socketOwner: "12345:12345" });
    expect(await requestAs(65534, socketPath, { op: "ping" })).toEqual({ client_error: "EACCES" });
  });

  if (!isRoot) process.stderr.write("SKIPPED: peer_unexpected tests need root to run a client as another UID (CI runs as root)\n");
});

describe("without the SO_PEERCRED addon", () => {
  it("warns in status, refuses projects that set peer_uids (fail closed), and serves the others", async () => {
    const t = makeTempDir("remo-noaddon-");
    try {
      // A copy of the bundle with no peercred.node beside it, and no $REMO_PEERCRED_ADDON.
      copyFileSync(brokerBin, `${t.path}/remo-broker.js`);
      const b = await startBroker({ bin: `${t.path}/remo-broker.js`, env: { REMO_PEERCRED_ADDON: "" } });
      running.push(b);
      await b.pushSecrets({ A: "a" });
      const status = await b.admin({ op: "status" });
      expect((status.warnings as string[]).join("\n")).toContain("Peer UIDs cannot be read");
      const strict = await b.registerProject("strict", { allowlist: ["A"], peerUids: [process.getuid!()] });
      const r = (await requestLines(strict.socketPath, [JSON.stringify({ op: "get", name: "A" })]))[0]!;
      expect(r).toMatchObject({ ok: false, code: "peer_unexpected" });
      expect(String(r.message)).toContain("peercred addon is missing");
      const open = await b.registerProject("open", { allowlist: ["A"] });
      expect((await requestLines(open.socketPath, [JSON.stringify({ op: "get", name: "A" })]))[0]).toMatchObject({ ok: true, value: "a" });
      await readAudit(b.auditFile, (rs) => rs.some((x) => x.event === "peer.unexpected" && x.project === "strict" && x.detail === "peer credentials unavailable"));
    } finally {
      t.cleanup();
    }
  });
});

describe("an unwritable audit file", () => {
  it("keeps serving, reports audit_writable:false with a warning, and the audit op answers internal_error", async () => {
    // Under a private parent: the broker refuses an audit file in a world-writable directory such as /tmp.
    const parent = makeTempDir("remo-audit-parent-");
    const dir = join(parent.path, "audit.jsonl");
    mkdirSync(dir, { mode: 0o755 });
    try {
      // A directory where the file should be: open(…, "a") fails with EISDIR even for root.
      const b = await broker(["--audit-file", dir]);
      const { socketPath } = await b.registerProject("noaudit", { allowlist: ["A"] });
      await b.pushSecrets({ A: "still-served" });
      expect((await requestLines(socketPath, [JSON.stringify({ op: "get", name: "A" })]))[0]).toMatchObject({ ok: true, value: "still-served" });
      const status = await b.admin({ op: "status" });
      expect(status.audit_writable).toBe(false);
      expect((status.warnings as string[]).join("\n")).toMatch(/audit file .* cannot be written/);
      expect(await b.admin({ op: "audit" })).toMatchObject({ ok: false, code: "internal_error" });
      expect(b.output()).toContain("not writable");
    } finally {
      parent.cleanup();
    }
  });
});

describe("storage_failed", () => {
  it("refuses a push it cannot store durably and keeps serving the old secrets", async () => {
    const b = await broker();
    const { socketPath } = await b.registerProject("store", { allowlist: ["A"] });
    await b.pushSecrets({ A: "old" });
    // Make the bundle directory unusable (a file where the directory should be).
    rmSync(join(b.stateDir, "bundles"), { recursive: true });
    writeFileSync(join(b.stateDir, "bundles"), "");
    const r = await b.pushSecrets({ A: "new" });
    expect(r).toMatchObject({ ok: false, code: "storage_failed" });
    expect(String(r.message)).toContain("nothing was changed");
    expect((await requestLines(socketPath, [JSON.stringify({ op: "get", name: "A" })]))[0]).toMatchObject({ value: "old" });
    await readAudit(b.auditFile, (rs) => rs.some((x) => x.event === "secrets.pushed" && x.outcome === "storage_failed"));
  });
});
