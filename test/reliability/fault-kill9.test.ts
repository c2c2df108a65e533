// kill -9 of the broker in the middle of push-creds, 200 rounds: after each restart the
// project serves exactly the old or the new bundle (never a mix, never empty or corrupt),
// and a push the broker acknowledged before dying is never lost.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptBundle, startBroker } from "../helpers/broker-process.ts";
import type { BrokerHandle } from "../helpers/broker-process.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { prng } from "./hostile-messages.ts";
import { bundle, servedGeneration, until } from "./fault-helpers.ts";

const ROUNDS = 200;
const names = ["GITHUB_TOKEN", "NPM_TOKEN", "API_KEY"];

describe("kill -9 during push-creds", () => {
  let broker: BrokerHandle;
  const tmp = makeTempDir("remo-kill9-");
  beforeAll(async () => { broker = await startBroker({ dir: tmp.path }); });
  afterAll(async () => {
    await broker.stop();
    tmp.cleanup();
  });

  it(`serves the old or the new bundle after each of ${ROUNDS} kills, never corrupt, never losing an acknowledged push`, async () => {
    const { socketPath } = await broker.registerProject("killnine", { allowlist: names });
    const bundles = new Map<number, Record<string, string>>([[0, bundle(0, names)]]);
    expect(await broker.pushSecrets(bundles.get(0)!, "killnine")).toMatchObject({ ok: true });

    // How long a push takes here, so kills land before, inside and after the write.
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await broker.pushSecrets(bundles.get(0)!, "killnine");
    const pushMs = (performance.now() - t0) / 5;
    const rnd = prng(2026);

    let current = 0;
    const outcomes = { old: 0, new: 0, acknowledged: 0 };
    const failures: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const next = round;
      bundles.set(next, bundle(next, names));
      const ciphertext = Buffer.from(await encryptBundle(broker.recipient, bundles.get(next)!)).toString("base64");
      const ack = { ok: false };
      const push = broker.admin({ op: "push-creds", ciphertext_b64: ciphertext, project: "killnine" })
        .then((r) => { ack.ok = r.ok === true; }, () => undefined);
      const delay = rnd() * pushMs * 2;
      if (delay >= 1) await new Promise((r) => setTimeout(r, delay));
      await broker.kill9();
      await push;
      await broker.restart();
      const served = await servedGeneration(socketPath, names, bundles);
      if (typeof served === "string") failures.push(`round ${round}: ${served}`);
      else if (served !== current && served !== next) failures.push(`round ${round}: serves generation ${served}, expected ${current} or ${next}`);
      else if (ack.ok && served !== next) failures.push(`round ${round}: the push was acknowledged, but after restart the old bundle serves`);
      else {
        outcomes[served === next ? "new" : "old"]++;
        if (ack.ok) outcomes.acknowledged++;
        current = served;
      }
    }
    expect(failures).toEqual([]);
    // The kills really landed on both sides of the swap (otherwise the test proved nothing).
    expect(outcomes.old).toBeGreaterThan(0);
    expect(outcomes.new).toBeGreaterThan(0);
    console.log(`kill -9 during push: ${ROUNDS} rounds, old bundle ${outcomes.old}, new bundle ${outcomes.new} (${outcomes.acknowledged} acknowledged before the kill), push ≈ ${pushMs.toFixed(1)} ms`);

    // A crash leaves temp files behind; the broker removes them at start.
    const bundleDir = join(broker.stateDir, "bundles");
    await until("no temp bundle files left after restart", () => readdirSync(bundleDir).every((f) => !f.endsWith(".tmp")), 10_000);
  });
});
