// Audit rotation with the real broker: a small --audit-max-bytes makes the live file rotate
// into audit.jsonl.1 … .4, and both `remo-broker audit` and the `audit` admin op still read
// every record, oldest first, across the files.
import { existsSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestLines, runCli, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { makeSentinel } from "../helpers/sentinel.ts";

const maxBytes = 8192;
const gets = 200;

describe("audit rotation", () => {
  let broker: BrokerHandle;
  const secret = makeSentinel("ROTATE");
  beforeAll(async () => {
    broker = await startBroker({ extraArgs: ["--audit-max-bytes", String(maxBytes)] });
    const { socketPath } = await broker.registerProject("rot", { allowlist: ["TOKEN"] });
    expect(await broker.pushSecrets({ TOKEN: secret }, "rot")).toMatchObject({ ok: true });
    // In batches, each drained by an audit request, so the log writes (and rotates) several times.
    for (let i = 0; i < gets / 20; i++) {
      const replies = await requestLines(socketPath, Array.from({ length: 20 }, () => JSON.stringify({ op: "get", name: "TOKEN" })));
      expect(replies.every((r) => r.ok === true)).toBe(true);
      expect(await broker.admin({ op: "audit", limit: 1 })).toMatchObject({ ok: true });
    }
  });
  afterAll(async () => {
    await broker.stop();
  });

  it("rotates the live file into .1 … .N, none past the limit by more than one batch", () => {
    expect(existsSync(`${broker.auditFile}.1`)).toBe(true);
    expect(existsSync(`${broker.auditFile}.2`)).toBe(true);
    for (const f of [broker.auditFile, `${broker.auditFile}.1`, `${broker.auditFile}.2`]) {
      expect(statSync(f).size).toBeLessThan(2 * maxBytes);
      expect(statSync(f).mode & 0o777).toBe(0o640);
    }
  });

  it("remo-broker audit --json reads every file oldest first: the register record and all the gets", async () => {
    const r = await runCli(["audit", "--audit-file", broker.auditFile, "--json"]);
    expect(r.code).toBe(0);
    const records = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ event: "broker.start" });
    expect(records.filter((x) => x.event === "project.register" && x.project === "rot")).toHaveLength(1);
    expect(records.filter((x) => x.event === "secret.get" && x.outcome === "ok")).toHaveLength(gets);
    const ts = records.map((x) => String(x.ts));
    expect(ts).toEqual([...ts].sort());
    expect(r.stdout).not.toContain(secret);
  });

  it("the audit admin op reads across the files too", async () => {
    const reply = await broker.admin({ op: "audit", project: "rot", limit: 1000 });
    const records = reply.records as Record<string, unknown>[];
    expect(records[0]).toMatchObject({ event: "project.register", project: "rot" });
    expect(records.filter((x) => x.event === "secret.get")).toHaveLength(gets);
  });
});
