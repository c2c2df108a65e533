// The broker runs on the clock it is given: a pinned clock decides audit times, uptime and
// load times, whatever the machine's clock says. The broker runs in this process, on real
// directories and sockets, so the test can hold its clock.
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterEach, describe, expect, it } from "vitest";
import { Broker } from "../../broker/src/daemon.ts";
import { defaultConnectionLimits } from "../../broker/src/connections/connection.ts";
import type { Logger } from "../../broker/src/log.ts";
import { defaultRateLimit, projectLimitFor } from "../../broker/src/connections/rate-limiter.ts";
import { encryptBundle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel, readTree } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe("the broker's injected clock", () => {
  it("stamps audit records, uptime and load times with the pinned time, not the machine's", async () => {
    const tmp = makeTempDir("remo-clock-");
    cleanups.push(() => { tmp.cleanup(); });
    const identity = await generateIdentity();
    const recipient = await identityToRecipient(identity);
    const logged: string[] = [];
    const logger: Logger = { info: (m) => { logged.push(m); }, warn: (m) => { logged.push(m); }, error: (m) => { logged.push(m); } };
    const start = Date.parse("2031-02-03T04:05:06.000Z");
    let t = start;
    const broker = await Broker.start({
      now: () => new Date(t),
      paths: { runtimeDir: join(tmp.path, "run"), stateDir: join(tmp.path, "state"), auditFile: join(tmp.path, "log", "audit.jsonl") },
      key: { identity, recipient: () => Promise.resolve(recipient), source: "plaintext", path: join(tmp.path, "key"), note: "" },
      rateLimit: { peer: defaultRateLimit, project: projectLimitFor(defaultRateLimit) },
      connectionLimits: defaultConnectionLimits,
      cacheDefaults: { ttlSeconds: 60, maxEntries: 16 },
      peers: { ok: false, reason: "not needed by this test" },
      logger,
    });
    let stopped = false;
    cleanups.push(async () => { if (!stopped) await broker.stop(); });

    t += 90_000;
    expect(broker.status().uptime_seconds).toBe(90);

    const secret = makeSentinel("CLOCK");
    const pushed = await broker.pushCreds(await encryptBundle(recipient, { TOKEN: secret }), undefined);
    expect(pushed.loaded_at).toBe("2031-02-03T04:06:36.000Z");
    expect(broker.status().secrets_loaded_at).toBe("2031-02-03T04:06:36.000Z");

    t += 1_000;
    const records = await broker.readAudit({});
    expect(records.map((r) => [r.event, r.ts])).toEqual([
      ["broker.start", "2031-02-03T04:05:06.000Z"],
      ["secrets.pushed", "2031-02-03T04:06:36.000Z"],
    ]);
    expect(await broker.readAudit({ since: "2031-02-03T04:06:00.000Z" })).toHaveLength(1);

    await broker.stop();
    stopped = true;
    const last = (await broker.readAudit({})).at(-1);
    expect([last?.event, last?.ts]).toEqual(["broker.stop", "2031-02-03T04:06:37.000Z"]);
    expect(findLeaks(secret, { ...readTree(tmp.path), log: logged.join("\n") })).toEqual([]);
  });
});
