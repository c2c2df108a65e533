// The broker's default rate limits against the two shapes that matter: a container start
// (20 processes, each fetching 20 names at once, all as one UID) is never limited, and a
// container that keeps asking is. Real broker, real sockets, default flags.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NdjsonDecoder } from "#protocol";
import { readAudit, requestLines, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { makeSentinel } from "../helpers/sentinel.ts";

const names = Array.from({ length: 20 }, (_, i) => `TOKEN_${i}`);

/** Counts reply codes ("ok" or the error code). */
function tally(replies: Record<string, unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const k = r.ok === true ? "ok" : String(r.code);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** One connection pipelining gets for `seconds` as fast as the broker reads them; resolves every reply. */
function flood(socketPath: string, seconds: number): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    const decoder = new NdjsonDecoder();
    const replies: Record<string, unknown>[] = [];
    const batch = names.map((n) => JSON.stringify({ op: "get", name: n }) + "\n").join("").repeat(20);
    s.on("data", (d: Buffer) => {
      for (const f of decoder.push(d)) if (f.kind === "line") replies.push(JSON.parse(f.text) as Record<string, unknown>);
    });
    s.on("error", reject);
    s.on("close", () => { resolve(replies); });
    s.on("connect", () => {
      const end = Date.now() + seconds * 1000;
      const pump = (): void => {
        while (Date.now() < end) if (!s.write(batch)) { s.once("drain", pump); return; }
        s.end();
      };
      pump();
    });
  });
}

describe("default rate limits", () => {
  let broker: BrokerHandle;
  let socketPath: string;
  const secret = makeSentinel("RATE");
  beforeAll(async () => {
    broker = await startBroker();
    ({ socketPath } = await broker.registerProject("busy", { allowlist: names }));
    expect(await broker.pushSecrets(Object.fromEntries(names.map((n) => [n, `${secret}_${n}`])), "busy")).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it("never limits 20 connections × 20 pipelined gets from one UID at once (a container start)", async () => {
    const lines = names.map((n) => JSON.stringify({ op: "get", name: n }));
    const all = await Promise.all(Array.from({ length: 20 }, () => requestLines(socketPath, lines)));
    expect(all.map((replies) => replies.length)).toEqual(Array.from({ length: 20 }, () => 20));
    expect(tally(all.flat())).toEqual({ ok: 400 });
  });

  it("limits one UID that keeps asking, telling it when to retry, and keeps answering ping", async () => {
    const replies = await flood(socketPath, 2);
    const codes = tally(replies);
    expect(Object.keys(codes).sort()).toEqual(["ok", "rate_limited"]);
    // At most the burst plus two seconds of refill (and the first test's leftovers) got through.
    expect(codes.ok).toBeLessThanOrEqual(1000 + 2 * 200 + 400);
    expect(codes.rate_limited).toBeGreaterThan(codes.ok ?? 0);
    const limited = replies.find((r) => r.code === "rate_limited");
    expect(limited).toMatchObject({ ok: false, retry_after_seconds: expect.any(Number) as number });
    expect(await requestLines(socketPath, [JSON.stringify({ op: "ping" })])).toMatchObject([{ ok: true, project: "busy" }]);
    const records = await readAudit(broker.auditFile, (rs) => rs.some((r) => r.event === "secret.get" && r.outcome === "rate_limited"));
    expect(JSON.stringify(records)).not.toContain(secret);
  });
});
