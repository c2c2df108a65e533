import { spawn } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { clientBin } from "./client-helpers.ts";

// The client bundle stays small and free of manifest/TOML/Ajv code, and a running
// client never shows a value in its own argv or environment.
describe("dist/remo-secrets.js", () => {
  it("bundles only the client, the wire module and Node built-ins", () => {
    const meta = JSON.parse(readFileSync(join(repoRoot, "dist", "meta.json"), "utf8")) as Record<string, { inputs: Record<string, unknown> }>;
    const inputs = Object.keys(meta["remo-secrets"]?.inputs ?? {});
    expect(inputs.length).toBeGreaterThan(0);
    const foreign = inputs.filter((i) => !/^(devcontainer-feature\/client\/src\/|protocol\/src\/(wire|framing|errors|wire-index|shell-quote)\.ts$)/.test(i));
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
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
    const own = { cmdline: readFileSync(`/proc/${pid}/cmdline`, "latin1"), environ: readFileSync(`/proc/${pid}/environ`, "latin1") };
    const child = readFileSync(`/proc/${children[0] ?? ""}/environ`, "latin1");
    client.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => { client.once("close", (c) => { resolve(c); }); });
    expect(findLeaks(token, own)).toEqual([]);
    expect(child).toContain(`GITHUB_TOKEN=${token}`);
    // SIGTERM is forwarded to the child; the client exits the way the child did.
    expect(code).toBe(143);
    expect(findLeaks(token, { stderr })).toEqual([]);
  });
});
