// Soak, CI size: 100,000 measured gets (after a 500,000-get warm-up: V8 sizes a fresh heap lazily) over 100 concurrent
// connections to the real broker with a push every 100 ms. scripts/soak.mjs runs the full
// 1,000,000 with the same driver and prints the README figures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkReply, makeBundle, makeValue, runSoak } from "../../scripts/reliability-soak.mjs";
import { startBroker } from "../helpers/broker-process.ts";
import type { BrokerHandle } from "../helpers/broker-process.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

const names = ["GITHUB_TOKEN", "NPM_TOKEN", "API_KEY", "DB_PASSWORD"];

describe("torn-read detector (control: it must be able to fail)", () => {
  it("accepts exactly the values of pushed bundles and flags everything else", () => {
    const bundles = new Map([[0, makeBundle(0, names)], [1, makeBundle(1, names)]]);
    const good = bundles.get(1)!.NPM_TOKEN!;
    expect(checkReply({ ok: true, value: good }, "NPM_TOKEN", bundles)).toEqual({ kind: "ok", gen: 1 });
    expect(checkReply({ ok: true, value: good.slice(0, -1) }, "NPM_TOKEN", bundles).kind).toBe("torn");
    expect(checkReply({ ok: true, value: good }, "API_KEY", bundles).kind).toBe("torn");
    // Well-formed and checksummed, but never pushed: still torn.
    expect(checkReply({ ok: true, value: makeValue(1, "NPM_TOKEN") }, "NPM_TOKEN", bundles).kind).toBe("torn");
    expect(checkReply({ ok: true, value: makeValue(7, "NPM_TOKEN") }, "NPM_TOKEN", bundles).kind).toBe("torn");
    expect(checkReply({ ok: false, code: "not_found" }, "NPM_TOKEN", bundles)).toEqual({ kind: "error", code: "not_found" });
  });
});

describe("soak against the real broker", () => {
  let broker: BrokerHandle;
  const tmp = makeTempDir("remo-soak-");
  beforeAll(async () => {
    // The soak measures correctness and memory under load, not the rate limiter (which
    // would rightly refuse this many gets from one UID); the limiter has its own tests.
    broker = await startBroker({ dir: tmp.path, extraArgs: ["--rate-limit", "1000000000", "--rate-burst", "1000000000"] });
  });
  afterAll(async () => {
    expect(await broker.stop()).toBe(0);
    tmp.cleanup();
  });

  it("serves 100,000 gets on 100 connections while pushing every 100 ms: zero errors, zero torn reads, RSS within 10% of after warm-up", async () => {
    const { socketPath } = await broker.registerProject("soak", { allowlist: names });
    const r = await runSoak({
      socketPath, brokerPid: broker.pid, names,
      push: async (bundle) => {
        const reply = await broker.pushSecrets(bundle, "soak");
        if (reply.ok !== true) throw new Error(`push refused: ${JSON.stringify(reply)}`);
      },
      totalGets: 100_000, warmupGets: 500_000, connections: 100, pushIntervalMs: 100,
    });
    const summary = {
      gets: r.gets, warmupGets: r.warmupGets, errors: r.errors, errorCodes: r.errorCodes, torn: r.torn, tornExamples: r.tornExamples,
      regressions: r.regressions, pushErrors: r.pushErrors, pushErrorExamples: r.pushErrorExamples,
    };
    expect(summary).toEqual({
      gets: 100_000, warmupGets: 500_000, errors: 0, errorCodes: {}, torn: 0, tornExamples: [],
      regressions: 0, pushErrors: 0, pushErrorExamples: [],
    });
    // The pusher really ran throughout at its cadence (allowing for a loaded machine), and gets saw many different bundles.
    expect(r.pushes).toBeGreaterThan((r.wallMs / 100) * 0.5);
    expect(r.generationsSeen).toBeGreaterThan(10);
    // Growth is what a leak looks like; a GC that returns memory (RSS going down) is not a failure.
    const growth = (r.rssEndKiB - r.rssWarmKiB) / r.rssWarmKiB;
    expect(growth, `RSS after warm-up ${r.rssWarmKiB} KiB, at the end ${r.rssEndKiB} KiB; timeline ${JSON.stringify(r.rssTimeline)}`).toBeLessThanOrEqual(0.10);
    console.log(`soak: ${r.gets} gets (+${r.warmupGets} warm-up), ${r.pushes} pushes, ${Math.round(r.getsPerSecond)} gets/s, p99 ${r.latencyP99Ms.toFixed(2)} ms, RSS ${(r.rssWarmKiB / 1024).toFixed(1)} → ${(r.rssEndKiB / 1024).toFixed(1)} MiB`);
  });
});
