import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLines, readAudit, requestLines, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";

// Hostile and broken input: each gets protocol_error (or a closed connection), and the
// broker keeps serving everyone else.
describe("remo-broker framing and bad input", () => {
  let broker: BrokerHandle;
  let sock: string;

  beforeAll(async () => {
    broker = await startBroker({ extraArgs: ["--rate-limit", "100000", "--rate-burst", "100000"] });
    sock = (await broker.registerProject("bad", { allowlist: ["A"] })).socketPath;
    await broker.pushSecrets({ A: "a-value" });
  });
  afterAll(async () => { await broker.stop(); });

  /** The broker still answers a fresh connection on both sockets. */
  const stillServes = async (): Promise<void> => {
    expect(await requestLines(sock, [JSON.stringify({ op: "get", name: "A" })])).toEqual([{ ok: true, value: "a-value", ttl_seconds: 600 }]);
    expect((await requestLines(broker.adminSocket, [JSON.stringify({ op: "status" })]))[0]).toMatchObject({ ok: true });
  };

  for (const target of ["project", "admin"] as const) {
    const path = (): string => (target === "project" ? sock : broker.adminSocket);

    describe(`${target} socket`, () => {
      it("answers malformed JSON with protocol_error and closes the connection", async () => {
        const c = await connectLines(path());
        c.write("{\"op\": \"get\", \n");
        const r = await c.next();
        expect(r).toMatchObject({ ok: false, code: "protocol_error" });
        expect(String(r.message)).toContain("not valid JSON");
        await c.closed;
        await stillServes();
      });

      it("answers a JSON value that is not an object with protocol_error and closes", async () => {
        const c = await connectLines(path());
        c.write("[1,2,3]\n");
        expect(await c.next()).toMatchObject({ ok: false, code: "protocol_error" });
        await c.closed;
        await stillServes();
      });

      it("answers an unknown op, a missing op, missing fields and wrong types with protocol_error on an open connection", async () => {
        const c = await connectLines(path());
        const bad = target === "project"
          ? [{ op: "steal" }, { name: "A" }, { op: "get" }, { op: "get", name: 7 }, { op: 5 }]
          : [{ op: "steal" }, { name: "x" }, { op: "reload" }, { op: "audit", limit: "ten" }, { op: "register", name: "x", project_path: 3 }];
        for (const m of bad) {
          c.send(m);
          const r = await c.next();
          expect(r, JSON.stringify(m)).toMatchObject({ ok: false, code: "protocol_error" });
          expect(typeof r.message).toBe("string");
        }
        c.send(target === "project" ? { op: "ping" } : { op: "status" });
        expect(await c.next()).toMatchObject({ ok: true });
        c.destroy();
        await stillServes();
      });

      it("accepts a line of exactly 65536 bytes, but a line of 65536+1 gets protocol_error and a closed connection", async () => {
        // {"op":"get","name":"AAA…"}\n padded to the limit: a valid frame whose name is too long (protocol_error, stays open).
        const prefix = "{\"op\":\"get\",\"name\":\"";
        const suffix = "\"}\n";
        const fill = 65536 - prefix.length - suffix.length;
        const exact = prefix + "A".repeat(fill) + suffix;
        expect(Buffer.byteLength(exact)).toBe(65536);
        const c = await connectLines(path());
        c.write(exact);
        expect(await c.next()).toMatchObject({ ok: false, code: "protocol_error" });
        c.send(target === "project" ? { op: "ping" } : { op: "status" });
        expect(await c.next()).toMatchObject({ ok: true });
        c.write(prefix + "A".repeat(fill + 1) + suffix);
        const r = await c.next();
        expect(r).toMatchObject({ ok: false, code: "protocol_error" });
        expect(String(r.message)).toContain("65536");
        await c.closed;
        await stillServes();
      });

      it("closes an endless line without a newline once it passes 64 KiB (no unbounded buffering)", async () => {
        const c = await connectLines(path());
        for (let i = 0; i < 20; i++) c.write("x".repeat(8192));
        expect(await c.next()).toMatchObject({ ok: false, code: "protocol_error" });
        await c.closed;
        await stillServes();
      });

      it("answers non-UTF-8 bytes with protocol_error and closes", async () => {
        const c = await connectLines(path());
        c.write(Buffer.concat([Buffer.from("{\"op\":\"get\",\"name\":\""), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from("\"}\n")]));
        const r = await c.next();
        expect(r).toMatchObject({ ok: false, code: "protocol_error" });
        expect(String(r.message)).toContain("UTF-8");
        await c.closed;
        await stillServes();
      });

      it("records a half line followed by close as protocol.error and keeps serving", async () => {
        const c = await connectLines(path());
        c.write("{\"op\":\"pi");
        c.end();
        await c.closed;
        await readAudit(broker.auditFile, (rs) => rs.some((x) => x.event === "protocol.error" && String(x.detail).includes("truncated")));
        await stillServes();
      });
    });
  }

  it("answers pipelined requests sent after the client half-closes", async () => {
    const c = await connectLines(sock);
    c.write([{ op: "get", name: "A" }, { op: "ping" }, { op: "info" }].map((m) => JSON.stringify(m) + "\n").join(""));
    c.end();
    expect(await c.next()).toMatchObject({ value: "a-value" });
    expect(await c.next()).toMatchObject({ project: "bad" });
    expect(await c.next()).toMatchObject({ allowlist: ["A"] });
    await c.closed;
  });

  it("reassembles requests split at arbitrary byte boundaries (seeded, 40 streams)", async () => {
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    // A multi-byte name in a protocol_error path as well, so splits land inside UTF-8 sequences.
    const requests = [{ op: "get", name: "A" }, { op: "ping" }, { op: "get", name: "é名" }, { op: "info" }];
    const bytes = Buffer.from(requests.map((r) => JSON.stringify(r) + "\n").join(""));
    for (let run = 0; run < 40; run++) {
      const c = await connectLines(sock);
      for (let at = 0; at < bytes.length;) {
        const n = 1 + rand(12);
        c.write(bytes.subarray(at, at + n));
        at += n;
        // Let some pieces go out as separate segments.
        if (rand(4) === 0) await new Promise((r) => setImmediate(r));
      }
      const replies = [await c.next(), await c.next(), await c.next(), await c.next()];
      expect(replies.map((r) => r.code ?? (r.value ?? r.project))).toEqual(["a-value", "bad", "protocol_error", "bad"]);
      c.destroy();
    }
  });

  it("answers 20,000 pipelined requests in order to a client that does not read until it has sent them all", async () => {
    const c = await connectLines(sock);
    const n = 20_000;
    // With our reading paused the replies (~1.4 MB) back up and the broker must stop reading and resume later.
    c.pause();
    c.write(Array.from({ length: n }, (_, i) => JSON.stringify(i % 2 === 0 ? { op: "get", name: "A" } : { op: "ping" }) + "\n").join(""));
    await new Promise((r) => setTimeout(r, 200));
    c.resume();
    for (let i = 0; i < n; i++) {
      const r = await c.next();
      if (i % 2 === 0 ? r.value !== "a-value" : r.project !== "bad") throw new Error(`reply ${i} out of order: ${JSON.stringify(r)}`);
    }
    c.destroy();
    await stillServes();
  });

  it("ignores blank lines and accepts CRLF line ends", async () => {
    const c = await connectLines(sock);
    c.write("\n\r\n{\"op\":\"ping\"}\r\n");
    expect(await c.next()).toMatchObject({ ok: true, project: "bad" });
    c.destroy();
  });

  it("keeps serving other clients while one client sends garbage in a loop", async () => {
    const garbage = Array.from({ length: 40 }, async (_, i) => {
      const c = await connectLines(sock);
      c.write(i % 2 === 0 ? "}{\n" : Buffer.from([0xc0, 0x0a]));
      await c.closed;
    });
    const good = Array.from({ length: 10 }, () => requestLines(sock, [JSON.stringify({ op: "get", name: "A" })]));
    const [, replies] = await Promise.all([Promise.all(garbage), Promise.all(good)]);
    for (const r of replies) expect(r).toEqual([{ ok: true, value: "a-value", ttl_seconds: 600 }]);
  });
});
