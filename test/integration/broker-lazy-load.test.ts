// An idle broker does not load what only a push needs: node:crypto (its X25519, webcrypto and
// temp-file names) loads on the first get-public-key or decrypt, not at start. That keeps a
// fresh node's broker near a bare Node server's RSS (bench/footprint.bench.mjs measures it); this
// test keeps an eager import from creeping back, and node:crypto from coming in through import(). A preload script in the built broker's own
// process reports which built-in modules it has loaded when asked with SIGUSR2.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

let broker: BrokerHandle | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
  for (const c of cleanups.splice(0)) c();
});

describe("what the broker loads", () => {
  it("starts and answers status without node:crypto, and loads it for the first push", async () => {
    const tmp = makeTempDir("remo-lazy-");
    cleanups.push(tmp.cleanup);
    const report = join(tmp.path, "loaded.json");
    const probe = join(tmp.path, "probe.cjs");
    writeFileSync(probe, `process.on("SIGUSR2", () => { require("node:fs").writeFileSync(${JSON.stringify(report)}, JSON.stringify(process.moduleLoadList)); });\n`);
    broker = await startBroker({ env: { NODE_OPTIONS: `--require ${probe}` } });
    const b = broker;
    const loaded = async (): Promise<string[]> => {
      rmSync(report, { force: true });
      process.kill(b.pid, "SIGUSR2");
      await vi.waitFor(() => { if (!existsSync(report)) throw new Error("no report yet"); }, { timeout: 10_000, interval: 20 });
      return JSON.parse(readFileSync(report, "utf8")) as string[];
    };

    expect(await b.admin({ op: "status" })).toMatchObject({ ok: true });
    const idle = await loaded();
    expect(idle).toContain("NativeModule net");
    expect(idle).not.toContain("NativeModule crypto");

    expect(await b.pushSecrets({ LAZY_A: "a" })).toMatchObject({ ok: true, secret_count: 1 });
    const afterPush = await loaded();
    expect(afterPush).toContain("NativeModule crypto");
    // Loaded without import(), which would start Node's ES module loader for good.
    expect(afterPush).not.toContain("NativeModule internal/modules/esm/translators");
    expect(await b.admin({ op: "get-public-key" })).toEqual({ ok: true, recipient: b.recipient });
  });
});
