import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestLines, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";

describe("broker-process helper", () => {
  let broker: BrokerHandle;
  beforeAll(async () => { broker = await startBroker(); });
  afterAll(async () => { await broker.stop(); });

  it("registers a project, pushes a bundle and serves it over the project socket", async () => {
    const { socketPath } = await broker.registerProject("smoke", { allowlist: ["TOKEN"] });
    expect(await broker.pushSecrets({ TOKEN: "demo-value" })).toMatchObject({ ok: true, secret_count: 1 });
    expect(await requestLines(socketPath, [JSON.stringify({ op: "get", name: "TOKEN" })])).toEqual([{ ok: true, value: "demo-value", ttl_seconds: 600 }]);
  });
});
