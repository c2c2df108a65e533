// The per-connection caps a peer cannot reach through the built broker's project ops (they
// answer at once, and reading stops at the socket's high-water mark first): queued reply bytes
// and requests in flight, driven here on a real Unix socket with the broker's connection loop
// and a handler that holds its answers back on purpose.
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConnectionLimits, serveNdjson, type ProtocolFault, type ServedConnection } from "../../broker/src/connections/connection.ts";
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

/** One request the handler is holding: what it was, and how to answer it. */
interface HeldCall { message: Record<string, unknown>; answer(): void }

/**
 * A server whose handler answers nothing until told: every call is recorded and held (or
 * answered at once once `autoAnswer` is set). Exposes the server side of the one connection,
 * so a test can see how much of the peer's input the loop has taken off the kernel.
 */
async function serveHeld(): Promise<{ path: string; calls: HeldCall[]; conn: Promise<{ socket: Socket; served: ServedConnection }>; closed: Promise<void>; autoAnswer(): void }> {
  const dir = makeTempDir("remo-conn-");
  cleanups.push(dir.cleanup);
  const path = join(dir.path, "s.sock");
  const calls: HeldCall[] = [];
  let auto = false;
  let onConn: (c: { socket: Socket; served: ServedConnection }) => void = () => undefined;
  const conn = new Promise<{ socket: Socket; served: ServedConnection }>((r) => { onConn = r; });
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => { onClosed = r; });
  const server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    const served = serveNdjson(socket, {
      handle: (message) => new Promise<object>((resolve) => {
        const call = { message, answer: () => { resolve({ ok: true, n: message.n }); } };
        calls.push(call);
        if (auto) call.answer();
      }),
      onProtocolFault: () => undefined,
      onClose: () => { onClosed(); },
    }, defaultConnectionLimits);
    onConn({ socket, served });
  });
  await new Promise<void>((resolve) => { server.listen(path, resolve); });
  cleanups.push(() => { server.close(); });
  return { path, calls, conn, closed, autoAnswer: () => { auto = true; for (const c of calls) c.answer(); } };
}

/** Connects and collects the `n` of every reply line. */
async function connectCollecting(path: string): Promise<{ c: Socket; replies: number[] }> {
  const c = connect(path);
  cleanups.push(() => { c.destroy(); });
  await new Promise<void>((resolve, reject) => { c.once("connect", resolve); c.once("error", reject); });
  const replies: number[] = [];
  let buf = "";
  c.setEncoding("utf8");
  c.on("data", (d: string) => {
    buf += d;
    for (let i = buf.indexOf("\n"); i !== -1; i = buf.indexOf("\n")) {
      replies.push((JSON.parse(buf.slice(0, i)) as { n: number }).n);
      buf = buf.slice(i + 1);
    }
  });
  return { c, replies };
}

const numbered = (from: number, count: number, pad = ""): string =>
  Array.from({ length: count }, (_, i) => `${JSON.stringify({ op: "ping", n: from + i, pad })}\n`).join("");

describe("requests in flight on one connection", () => {
  // The broker's own handlers answer project requests at once, so the limit only bites behind a
  // slow admin request; here the handler holds every request, which makes the queue visible:
  // drain() answers exactly the requests already decoded, and nothing after them.
  it(`decodes at most ${defaultConnectionLimits.maxInFlight} requests ahead of the reply, and one more per answered request`, async () => {
    expect(defaultConnectionLimits.maxInFlight).toBe(64);
    const s = await serveHeld();
    const { c, replies } = await connectCollecting(s.path);
    const input = numbered(0, 200);
    c.write(input);
    const { socket, served } = await s.conn;
    // All 200 lines have reached the connection loop (one small write, well under any buffer).
    await until("the server to have read every byte", () => socket.bytesRead === Buffer.byteLength(input));
    // Answered in order: only the first is with the handler, the others wait decoded behind it.
    expect(s.calls.map((x) => x.message.n)).toEqual([0]);
    expect(socket.isPaused()).toBe(true);
    // One answer frees one slot: request 1 goes to the handler, and request 64 is decoded.
    s.calls[0]?.answer();
    await until("request 1 to reach the handler", () => s.calls.length === 2);
    // Stop reading now: what is already decoded is answered, nothing more.
    const drained = served.drain();
    s.autoAnswer();
    await drained;
    await s.closed;
    await until("the client to see the end", () => c.readableEnded || c.destroyed);
    expect(s.calls.map((x) => x.message.n)).toEqual(Array.from({ length: 65 }, (_, i) => i));
    expect(replies).toEqual(Array.from({ length: 65 }, (_, i) => i));
  });

  it("keeps the input it takes off the kernel bounded while requests are held (4 MiB pipelined)", async () => {
    const s = await serveHeld();
    const { c } = await connectCollecting(s.path);
    // ~1 KiB lines: the 64 decoded requests are 64 KiB; the rest must stay in the kernel.
    const input = numbered(0, 4096, "p".repeat(1000));
    const total = Buffer.byteLength(input);
    c.write(input);
    const { socket } = await s.conn;
    // The loop has stopped taking input once the socket's own read buffer is full (Node then
    // stops reading from the kernel); without a limit it would read all of it instead.
    await until("the server to stop reading or to read everything",
      () => socket.readableLength >= socket.readableHighWaterMark || socket.bytesRead === total);
    expect(s.calls).toHaveLength(1);
    // The 64 decoded lines, the decoder's partial chunk, the read buffer and a chunk of
    // overshoot: a few hundred KiB at most, against the 4 MiB sent.
    expect(socket.bytesRead, `bytes read of ${total} pipelined`).toBeLessThan(512 * 1024);
    console.log(`held requests: ${socket.bytesRead} of ${total} pipelined bytes read`);
    expect(c.writableLength, "bytes the client could not hand over").toBeGreaterThan(0);
    s.autoAnswer();
  });
});
