// The installed client (dist/remo-secrets.js) when the broker restarts under it: a request
// cut off mid-way (broker stopped with the request queued, then killed and restarted) is
// retried and answered; a broker that stays down gives up within a bounded time with a
// message that says what to do. The value only ever reaches stdout.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startBroker } from "../helpers/broker-process.ts";
import type { BrokerHandle } from "../helpers/broker-process.ts";
import { makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { until } from "./fault-helpers.ts";

const client = join(repoRoot, "dist", "remo-secrets.js");

interface ClientRun { code: number | null; stdout: string; stderr: string; elapsedMs: number }

function runClient(args: string[], env: NodeJS.ProcessEnv = {}): { pid: number; done: Promise<ClientRun> } {
  const t0 = performance.now();
  const child = spawn(process.execPath, [client, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<ClientRun>((resolve) => {
    child.on("close", (code) => { resolve({ code, stdout, stderr, elapsedMs: performance.now() - t0 }); });
  });
  return { pid: child.pid!, done };
}

/** Connections queued on a listening Unix socket that nobody has accepted (ss Recv-Q). */
function queuedConnections(socketPath: string): number {
  const out = execFileSync("ss", ["-xlnH"], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.includes(` ${socketPath} `));
  return line ? Number(line.trim().split(/\s+/)[2]) : 0;
}

describe("client when the broker restarts", () => {
  let broker: BrokerHandle;
  let socketPath: string;
  const secret = makeSentinel("RESTART");
  const tmp = makeTempDir("remo-client-restart-");
  beforeAll(async () => {
    broker = await startBroker({ dir: tmp.path });
    ({ socketPath } = await broker.registerProject("restarts", { allowlist: ["GITHUB_TOKEN"] }));
    expect(await broker.pushSecrets({ GITHUB_TOKEN: secret }, "restarts")).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await broker.stop();
    tmp.cleanup();
  });

  it("retries a request the broker died in the middle of, and gets the value after the restart", async () => {
    process.kill(broker.pid, "SIGSTOP");
    let run: ReturnType<typeof runClient>;
    try {
      run = runClient(["--socket", socketPath, "get", "GITHUB_TOKEN"], { REMO_SECRETS_RETRY_SECONDS: "30" });
      // The client has connected and sent its request; the stopped broker holds it unanswered.
      await until("the client's connection to be queued on the stopped broker", () => queuedConnections(socketPath) > 0);
    } finally {
      process.kill(broker.pid, "SIGKILL");
    }
    await broker.kill9();
    await broker.restart();
    const r = await run.done;
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: secret });
    expect(r.stderr).not.toContain(secret);
  });

  it("gives up within a bounded time when the broker stays down, with exit 5 and a message that says what to do", async () => {
    await broker.kill9();
    try {
      const r = await runClient(["--socket", socketPath, "get", "GITHUB_TOKEN"]).done;
      expect(r.code).toBe(5);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(socketPath);
      // What happened, and what to do about it (the exact wording belongs to the client).
      expect(r.stderr).toContain("cannot reach the Remo broker");
      expect(r.stderr).toContain("systemctl status remo-broker");
      // The default retry budget is 8 s; it must not hang (generous bound for a loaded machine).
      expect(r.elapsedMs).toBeLessThan(30_000);
      expect(r.elapsedMs).toBeGreaterThan(2_000);
      expect(r.stderr).not.toContain(secret);
    } finally {
      await broker.restart();
    }
  });

  it("rides out a restart that happens while it is retrying (fresh connection refused, then served)", async () => {
    await broker.kill9();
    const run = runClient(["--socket", socketPath, "env", "GITHUB_TOKEN"], { REMO_SECRETS_RETRY_SECONDS: "30" });
    // Scenario setup, not a correctness wait: let the client start and be refused a few times
    // (its backoff is 50, 100, 200, 400 ms ...) before the broker comes back.
    await new Promise((r) => setTimeout(r, 1500));
    await broker.restart();
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("GITHUB_TOKEN=");
    expect(r.stdout).toContain(secret);
    expect(r.stderr).not.toContain(secret);
  });
});
