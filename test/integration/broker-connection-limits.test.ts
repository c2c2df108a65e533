// The cap on queued reply bytes, which a peer cannot reach through the built broker's project
// ops (they answer at once, and reading stops at the socket's high-water mark first): driven
// here on a real Unix socket with the broker's connection loop and a handler whose replies are
// large and held back on purpose, then released together.
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConnectionLimits, serveNdjson, type ProtocolFault } from "../../broker/src/connection.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

interface Served { server: Server; path: string; faults: ProtocolFault[]; closed: Promise<void>; concurrent: { now: number; max: number } }

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0).reverse()) c(); });

/** A server whose every reply is `replyBytes` long and resolves only when `release()` is called. */
async function serve(limits: Partial<typeof defaultConnectionLimits>, replyBytes: number): Promise<Served & { release(): void }> {
  const dir = makeTempDir("remo-conn-");
  cleanups.push(dir.cleanup);
  const path = join(dir.path, "s.sock");
  const faults: ProtocolFault[] = [];
  const concurrent = { now: 0, max: 0 };
  let waiting: (() => void)[] = [];
  let released = false;
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => { onClosed = r; });
  const server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    serveNdjson(socket, {
      // Answered at once once released (as project requests are), else only when released.
      handle: (): object | Promise<object> => {
        const reply = { ok: true, pad: "x".repeat(replyBytes) };
        if (released) return reply;
        concurrent.now++;
        concurrent.max = Math.max(concurrent.max, concurrent.now);
        return new Promise<object>((r) => { waiting.push(() => { concurrent.now--; r(reply); }); });
      },
      onProtocolFault: (fault) => { faults.push(fault); },
      onClose: () => { onClosed(); },
    }, { ...defaultConnectionLimits, ...limits });
  });
  await new Promise<void>((resolve) => { server.listen(path, resolve); });
  cleanups.push(() => { server.close(); });
  return {
    server, path, faults, closed, concurrent,
    release: () => {
      released = true;
      const w = waiting;
      waiting = [];
      for (const r of w) r();
    },
  };
}

/** Connects, writes `lines` pipelined, and never reads. */
async function floodWithoutReading(path: string, lines: number): Promise<Socket> {
  const c = connect(path);
  cleanups.push(() => { c.destroy(); });
  await new Promise<void>((resolve, reject) => { c.once("connect", resolve); c.once("error", reject); });
  c.pause();
  c.write(`${JSON.stringify({ op: "ping" })}\n`.repeat(lines));
  return c;
}

/** Polls `cond` every 10 ms until it holds; fails after `ms` naming what it waited for. */
async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("connection limits", () => {
  it("destroys a connection whose unread replies pass maxQueuedReplyBytes, and says why", async () => {
    const s = await serve({ maxQueuedReplyBytes: 256 * 1024, maxInFlight: 64 }, 60 * 1024);
    await floodWithoutReading(s.path, 64);
    // Requests are answered in order, so one is being handled and the rest wait behind it.
    await until("the first request to be in flight", () => s.concurrent.now === 1);
    // All answers become ready at once: ~60 KiB each, far past the 256 KiB cap, none read.
    s.release();
    await s.closed;
    expect(s.faults).toEqual(["reply_overflow"]);
  });

  it("keeps a connection whose peer reads its replies, with the same limits", async () => {
    const s = await serve({ maxQueuedReplyBytes: 256 * 1024, maxInFlight: 64 }, 60 * 1024);
    s.release();
    const c = connect(s.path);
    cleanups.push(() => { c.destroy(); });
    let received = 0;
    c.on("data", (d: Buffer) => { for (const b of d) if (b === 0x0a) received++; });
    c.write(`${JSON.stringify({ op: "ping" })}\n`.repeat(64));
    await until("all 64 replies", () => received === 64);
    expect(s.faults).toEqual([]);
  });
});
