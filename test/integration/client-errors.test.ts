import { chmodSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { runClient, startFakePeer, type ClientRun } from "./client-helpers.ts";

// Every error path of the client, against the real broker where the broker can produce
// it, and against a tiny real socket peer where only a different program could.
const token = makeSentinel("GHTOKEN");
const tmp = makeTempDir("remo-client-errors-");
let broker: BrokerHandle;
let socket: string;
const runs: ClientRun[] = [];
const noRetry = { REMO_SECRETS_RETRY_SECONDS: "0" };

async function client(args: string[], opts: Parameters<typeof runClient>[1] = {}): Promise<ClientRun> {
  const r = await runClient(args, { socket, ...opts });
  runs.push(r);
  return r;
}

beforeAll(async () => {
  broker = await startBroker();
  socket = (await broker.registerProject("errs", { allowlist: ["GITHUB_TOKEN", "NOT_PUSHED"] })).socketPath;
  await broker.pushSecrets({ GITHUB_TOKEN: token });
});

afterAll(async () => {
  const sources: Record<string, string> = { "broker output": broker.output(), "audit": readFileSync(broker.auditFile, "utf8") };
  for (const [i, r] of runs.entries()) {
    sources[`run ${i} stderr`] = r.stderr;
    sources[`run ${i} argv`] = r.argv.join(" ");
  }
  await broker.stop().catch(() => 0);
  rmSync(broker.dir, { recursive: true, force: true });
  tmp.cleanup();
  expect(findLeaks(token, sources)).toEqual([]);
});

describe("client errors from the real broker", () => {
  it("denied: exit 3, says to add the name to the allowlist", async () => {
    const r = await client(["get", "NOT_ALLOWED"]);
    expect(r).toMatchObject({ code: 3, stdout: "" });
    expect(r.stderr).toBe("remo-secrets: \"NOT_ALLOWED\" is not on this project's allowlist: add it to [allowlist] secrets in .devcontainer/remo-broker.toml, then run 'Remo: Push Secrets' in VS Code on your laptop\n");
  });

  it("not_found: exit 4, says to push secrets", async () => {
    const r = await client(["get", "NOT_PUSHED"]);
    expect(r).toMatchObject({ code: 4, stdout: "" });
    expect(r.stderr).toContain("run 'Remo: Push Secrets' in VS Code on your laptop");
  });

  it("--json errors are a JSON object on stdout with the same exit status", async () => {
    const r = await client(["--json", "get", "NOT_PUSHED"]);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, code: "not_found", message: "no value for \"NOT_PUSHED\" has been pushed yet: run 'Remo: Push Secrets' in VS Code on your laptop" });
  });

  it("peer_unexpected: exit 5, names the uid to allow", async () => {
    const other = await broker.registerProject("strict", { allowlist: ["GITHUB_TOKEN"], peerUids: [4242] });
    const r = await client(["get", "GITHUB_TOKEN"], { socket: other.socketPath });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`does not accept connections from uid ${process.getuid?.() ?? "?"}: add this uid to peer_uids`);
  });

  it("permission_denied: exit 5 when the socket belongs to another user", async () => {
    // nobody (65534) cannot connect to the root-owned 0660 project socket.
    chmodSync(broker.dir, 0o755);
    const r = await client(["ping"], { uid: 65534, gid: 65534, env: noRetry });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/permission denied on .*: the socket belongs to another user; re-register the project on the node with socket_owner set to this container user's uid:gid \(uid 65534\)/);
  });

  it("usage: exit 2 for a bad name, a missing command or an unknown option", async () => {
    for (const args of [["get", "bad-name!"], [], ["--bogus"], ["get"], ["exec", "--only"], ["status", "--full"]]) {
      const r = await client(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/^remo-secrets: .*: run 'remo-secrets --help' for usage\n$/);
    }
  });
});

describe("client errors without a broker", () => {
  it("unreachable: exit 5 for a socket that is not there, after the bounded retry", async () => {
    const r = await client(["ping"], { socket: join(tmp.path, "gone.sock"), env: { REMO_SECRETS_RETRY_SECONDS: "0.3" } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`cannot reach the Remo broker at ${join(tmp.path, "gone.sock")} (ENOENT): check that the broker runs on the node`);
  });

  it("not mounted: exit 5 at once and says to synthesize the mount", async () => {
    const r = await client(["ping"], { socket: "/nonexistent-remo/sock" });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("there is no broker socket at /nonexistent-remo/sock: this container does not mount the project socket; run 'Remo: Synthesize Devcontainer'");
  });

  it("protocol mismatch: exit 6 for a broker speaking protocol 1", async () => {
    const path = join(tmp.path, "v1.sock");
    const peer = await startFakePeer(path, () => JSON.stringify({ ok: true, broker_version: "0.9.0", protocol_version: 1, project: "errs" }) + "\n");
    try {
      const r = await client(["get", "GITHUB_TOKEN"], { socket: path });
      expect(r).toMatchObject({ code: 6, stdout: "" });
      expect(r.stderr).toBe(`remo-secrets: the broker at ${path} speaks protocol version 1, this client speaks protocol version 2: update the remo-secrets feature (rebuild the container) or the broker on the node so that they match\n`);
    } finally {
      await peer.close();
    }
  });

  it("protocol mismatch: exit 6 for a peer that does not speak JSON", async () => {
    const path = join(tmp.path, "http.sock");
    const peer = await startFakePeer(path, () => "HTTP/1.1 400 Bad Request\n");
    try {
      const r = await client(["ping"], { socket: path });
      expect(r.code).toBe(6);
      expect(r.stderr).toContain("speaks something that is not JSON");
    } finally {
      await peer.close();
    }
  });

  it("timeout: exit 8 when the peer never answers", async () => {
    const path = join(tmp.path, "silent.sock");
    const peer = await startFakePeer(path, () => "");
    try {
      const r = await client(["ping"], { socket: path, env: { REMO_SECRETS_TIMEOUT_SECONDS: "1" } });
      expect(r.code).toBe(8);
      expect(r.stderr).toContain("did not answer within 1 s");
    } finally {
      await peer.close();
    }
  });

  it("retries a connection dropped mid-request, then succeeds", async () => {
    const path = join(tmp.path, "flaky.sock");
    let connectionLines = 0;
    let dropped = false;
    const peer = await startFakePeer(path, (line) => {
      const req = JSON.parse(line) as { op: string; name?: string };
      connectionLines++;
      // The first request that carries a get is cut off, as a crashing broker would.
      if (req.op === "get" && !dropped) { dropped = true; return null; }
      return req.op === "ping"
        ? JSON.stringify({ ok: true, broker_version: "x", protocol_version: 2, project: "flaky" }) + "\n"
        : JSON.stringify({ ok: true, value: "flaky-value", ttl_seconds: 60 }) + "\n";
    });
    try {
      const r = await client(["get", "X"], { socket: path });
      expect(r).toMatchObject({ code: 0, stdout: "flaky-value", stderr: "" });
      expect(dropped).toBe(true);
      expect(connectionLines).toBe(4);
    } finally {
      await peer.close();
    }
  });
});

describe("client against a restarting broker", () => {
  it("waits for a broker that is restarting and then gets the value", async () => {
    await broker.stop();
    // The client starts while the socket is gone; the broker comes back while it retries.
    const pending = client(["get", "GITHUB_TOKEN"], { env: { REMO_SECRETS_RETRY_SECONDS: "30" }, timeoutMs: 60_000 });
    await broker.restart();
    await broker.registerProject("errs", { allowlist: ["GITHUB_TOKEN", "NOT_PUSHED"] }).catch(() => undefined);
    const r = await pending;
    expect(r).toMatchObject({ code: 0, stdout: token, stderr: "" });
  });

  it("gives up after the retry budget with exit 5", async () => {
    await broker.stop();
    const started = Date.now();
    const r = await client(["get", "GITHUB_TOKEN"], { env: { REMO_SECRETS_RETRY_SECONDS: "0.5" } });
    expect(r.code).toBe(5);
    // Bounded: it gave up, it did not hang until the test's own timeout.
    expect(Date.now() - started).toBeLessThan(20_000);
    await broker.restart();
  });
});

describe("client under a rate limit", () => {
  let limited: BrokerHandle;
  let limitedSocket: string;

  beforeAll(async () => {
    limited = await startBroker({ extraArgs: ["--rate-limit", "2", "--rate-burst", "2"] });
    limitedSocket = (await limited.registerProject("slow", { allowlist: ["A", "B", "C", "D"] })).socketPath;
    await limited.pushSecrets({ A: "a1", B: "b2", C: "c3", D: "d4" });
  });

  afterAll(async () => {
    await limited.stop();
    rmSync(limited.dir, { recursive: true, force: true });
  });

  it("honours retry_after_seconds and finishes the batch", async () => {
    const r = await client(["env", "--json", "A", "B", "C", "D"], { socket: limitedSocket, env: { REMO_SECRETS_RETRY_SECONDS: "20" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ A: "a1", B: "b2", C: "c3", D: "d4" });
  });

  it("exits 7 with advice when retries are turned off", async () => {
    const r = await client(["--no-retry", "env", "A", "B", "C", "D"], { socket: limitedSocket });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^remo-secrets: the broker is rate-limiting this project \(retry after [\d.]+ s\): wait a moment and try again/);
  });
});
