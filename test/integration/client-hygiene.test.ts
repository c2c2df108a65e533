import { execFileSync, spawn } from "node:child_process";
import { closeSync, constants, openSync, readFileSync, readSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { repoRoot, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { clientBin } from "./client-helpers.ts";

// The client bundle stays small and free of manifest/TOML/Ajv code, and a running
// client never shows a value in its own argv or environment.
describe("dist/remo-secrets.js", () => {
  it("bundles only the client, the wire module, the name patterns and Node built-ins", () => {
    const meta = JSON.parse(readFileSync(join(repoRoot, "dist", "meta.json"), "utf8")) as Record<string, { inputs: Record<string, unknown> }>;
    const inputs = Object.keys(meta["remo-secrets"]?.inputs ?? {});
    expect(inputs.length).toBeGreaterThan(0);
    const foreign = inputs.filter((i) => !/^(devcontainer-feature\/client\/src\/|protocol\/src\/(wire|framing|errors|wire-index|shell-quote|ndjson-client|manifest\/names|generated\/names)\.ts$)/.test(i));
    expect(foreign).toEqual([]);
  });

  it("stays under a 64 KiB size budget", () => {
    expect(statSync(clientBin).size).toBeLessThan(64 * 1024);
  });

  it("is the file staged into the feature folder", () => {
    expect(readFileSync(join(repoRoot, "devcontainer-feature/src/remo-secrets/remo-secrets.js"))).toEqual(readFileSync(clientBin));
  });
});

describe("a running exec", () => {
  const token = makeSentinel("GH");
  let broker: BrokerHandle;
  let socket: string;

  beforeAll(async () => {
    broker = await startBroker();
    socket = (await broker.registerProject("hyg", { allowlist: ["GITHUB_TOKEN"] })).socketPath;
    await broker.pushSecrets({ GITHUB_TOKEN: token });
  });

  afterAll(async () => {
    await broker.stop();
    rmSync(broker.dir, { recursive: true, force: true });
  });

  it("gives the value to the child's environment only, never to its own argv or environment", async () => {
    const client = spawn(process.execPath, [clientBin, "exec", "--", "sh", "-c", "echo ready; exec sleep 60"], {
      env: { PATH: process.env.PATH, REMO_BROKER_SOCKET: socket }, stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    client.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    await new Promise<void>((resolve, reject) => {
      client.stdout.on("data", (d: Buffer) => { if (d.toString().includes("ready")) resolve(); });
      client.once("exit", () => { reject(new Error(`client exited early: ${stderr}`)); });
    });
    const pid = client.pid ?? -1;
    const childPid = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0] ?? "";
    // sh prints "ready" just before it execs sleep, and during the exec its environ reads empty.
    await vi.waitFor(() => { expect(readFileSync(`/proc/${childPid}/comm`, "utf8").trim()).toBe("sleep"); }, { timeout: 10_000, interval: 10 });
    const own = { cmdline: readFileSync(`/proc/${pid}/cmdline`, "latin1"), environ: readFileSync(`/proc/${pid}/environ`, "latin1") };
    const child = readFileSync(`/proc/${childPid}/environ`, "latin1");
    client.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => { client.once("close", (c) => { resolve(c); }); });
    expect(findLeaks(token, own)).toEqual([]);
    expect(child).toContain(`GITHUB_TOKEN=${token}`);
    // SIGTERM is forwarded to the child; the client exits the way the child did.
    expect(code).toBe(143);
    expect(findLeaks(token, { stderr })).toEqual([]);
  });
});

describe("a client caught holding values while it writes them", () => {
  // Its stdout is a FIFO nobody reads: after 64 KiB the client blocks in write(2) with every
  // value in memory, and its own argv and environment are read then. Two bundles (node-wide
  // and the project's), because one push line is capped at 64 KiB.
  const fill = (name: string): { name: string; value: string } => ({ name, value: `${makeSentinel(name)}${"v".repeat(19 * 1024)}` });
  const nodeWide = [fill("BIG_A"), fill("BIG_B")];
  const project = [fill("BIG_C"), fill("BIG_D")];
  const all = [...nodeWide, ...project];
  let broker: BrokerHandle;
  let socket: string;

  beforeAll(async () => {
    broker = await startBroker();
    socket = (await broker.registerProject("hygbig", { allowlist: all.map((b) => b.name) })).socketPath;
    for (const [bundle, target] of [[nodeWide, undefined], [project, "hygbig"]] as const) {
      const r = await broker.pushSecrets(Object.fromEntries(bundle.map((b) => [b.name, b.value])), target);
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
  });

  afterAll(async () => {
    await broker.stop();
    rmSync(broker.dir, { recursive: true, force: true });
  });

  it.each(["dotenv", "json", "shell"])("env --format %s never shows a value in its own argv or environment", async (format) => {
    const fifo = join(broker.dir, `out-${format}.fifo`);
    execFileSync("mkfifo", [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, "w");
    const client = spawn(process.execPath, [clientBin, "env", "--format", format, ...all.map((b) => b.name)], { env: { PATH: process.env.PATH, REMO_BROKER_SOCKET: socket }, stdio: ["ignore", writer, "pipe"] });
    closeSync(writer);
    const pid = client.pid ?? -1;
    const deadline = Date.now() + 20_000;
    const wchan = (): string => { try { return readFileSync(`/proc/${pid}/wchan`, "utf8"); } catch { return "gone"; } };
    // The kernel names the wait pipe_write (anon_pipe_write on newer kernels).
    while (!wchan().endsWith("pipe_write") && client.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(wchan(), "the client never blocked writing its output").toMatch(/pipe_write$/);
    const own = { cmdline: readFileSync(`/proc/${pid}/cmdline`, "latin1"), environ: readFileSync(`/proc/${pid}/environ`, "latin1") };
    // Drain the FIFO until the client is done; the output proves it held the values.
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    for (;;) {
      let n = 0;
      try { n = readSync(reader, buf); } catch (e) { if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e; }
      if (n > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
      else if (client.exitCode !== null) break;
      else await new Promise((r) => setTimeout(r, 10));
    }
    closeSync(reader);
    expect(client.exitCode).toBe(0);
    const out = Buffer.concat(chunks).toString("utf8");
    for (const b of all) {
      expect(out).toContain(b.value);
      expect(findLeaks(b.value.slice(0, 40), own)).toEqual([]);
    }
  });
});
