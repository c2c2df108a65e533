// A hostile container process, run by hostile-peers.test.ts as an unprivileged UID against a
// real broker socket. Plain ESM with only Node built-ins, so it can be copied to a directory
// that UID can read. One JSON argument says what to do; one JSON line on stdout says what
// happened.
import { connect } from "node:net";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const report = (r) => { process.stdout.write(JSON.stringify(r) + "\n"); };

/** Connects; resolves the socket, or null when the connection itself fails. */
function open(path) {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => { resolve(s); });
    s.once("error", () => { resolve(null); });
  });
}

/** Collects reply lines until the broker closes; `first` resolves with the first one. */
function watch(s) {
  const out = { replies: [], closedAt: 0, reset: false };
  let buf = "";
  s.setEncoding("utf8");
  s.on("data", (d) => {
    buf += d;
    for (let i = buf.indexOf("\n"); i !== -1; i = buf.indexOf("\n")) {
      out.replies.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  s.on("error", () => { out.reset = true; });
  out.closed = new Promise((resolve) => { s.on("close", () => { out.closedAt = Date.now(); resolve(); }); });
  return out;
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const codes = (replies) => replies.reduce((acc, r) => { const k = r.ok === true ? "ok" : String(r.code); acc[k] = (acc[k] ?? 0) + 1; return acc; }, {});

/** Many connections write `bytes` of pipelined lines each and never read a reply. */
async function pipelineUnread() {
  const payload = Buffer.from(cfg.line.repeat(Math.ceil(cfg.bytes / cfg.line.length)));
  const socks = (await Promise.all(Array.from({ length: cfg.connections }, () => open(cfg.socket)))).filter((s) => s !== null);
  let written = 0;
  let cut = 0;
  for (const s of socks) {
    s.pause();
    s.on("error", () => undefined);
    s.write(payload, (err) => { if (err) cut++; else written++; });
  }
  await sleep(cfg.holdMs);
  for (const s of socks) s.destroy();
  return { connected: socks.length, fully_written: written, cut_by_broker: cut };
}

/** Connections send one byte at a time and never a newline; records when the broker cuts each. */
async function slowloris() {
  const started = Date.now();
  const conns = (await Promise.all(Array.from({ length: cfg.connections }, () => open(cfg.socket)))).filter((s) => s !== null).map((s) => ({ s, w: watch(s) }));
  const timer = setInterval(() => {
    for (const { s } of conns) if (!s.destroyed && s.writable) s.write("{");
  }, cfg.intervalMs);
  const all = Promise.all(conns.map(({ w }) => w.closed));
  await Promise.race([all, sleep(cfg.maxMs)]);
  clearInterval(timer);
  const result = {
    connected: conns.length,
    closed_by_broker: conns.filter(({ w }) => w.closedAt > 0).length,
    longest_ms: Math.max(0, ...conns.map(({ w }) => (w.closedAt || Date.now()) - started)),
    codes: codes(conns.flatMap(({ w }) => w.replies)),
    messages: [...new Set(conns.flatMap(({ w }) => w.replies.map((r) => String(r.message))))],
  };
  for (const { s } of conns) s.destroy();
  return result;
}

/** Connections that send nothing at all; records whether the broker closes them. */
async function idle() {
  const conns = (await Promise.all(Array.from({ length: cfg.connections }, () => open(cfg.socket)))).filter((s) => s !== null).map((s) => ({ s, w: watch(s) }));
  await Promise.race([Promise.all(conns.map(({ w }) => w.closed)), sleep(cfg.maxMs)]);
  const result = { connected: conns.length, closed_by_broker: conns.filter(({ w }) => w.closedAt > 0).length, replies: conns.reduce((n, { w }) => n + w.replies.length, 0) };
  for (const { s } of conns) s.destroy();
  return result;
}

/** Holds `connections` open, each sending `lines` pipelined, until each has `expect` (default: one per line) replies or is closed. */
async function hold() {
  const conns = (await Promise.all(Array.from({ length: cfg.connections }, () => open(cfg.socket)))).filter((s) => s !== null).map((s) => ({ s, w: watch(s) }));
  for (const { s } of conns) if (cfg.lines.length > 0) s.write(cfg.lines.map((l) => l + "\n").join(""));
  const wanted = cfg.expect ?? cfg.lines.length;
  const deadline = Date.now() + cfg.maxMs;
  while (Date.now() < deadline && conns.some(({ w }) => w.replies.length < wanted && w.closedAt === 0)) await sleep(20);
  await sleep(cfg.settleMs ?? 0);
  const result = {
    connected: conns.length,
    first: codes(conns.map(({ w }) => w.replies[0] ?? { code: "none" })),
    all: codes(conns.flatMap(({ w }) => w.replies)),
    closed_by_broker: conns.filter(({ w }) => w.closedAt > 0).length,
    messages: [...new Set(conns.flatMap(({ w }) => w.replies.filter((r) => r.ok !== true).map((r) => String(r.message))))],
  };
  for (const { s } of conns) s.destroy();
  return result;
}

/** One connection writes `line` as fast as the broker takes it for `ms`, reading replies. */
async function flood() {
  const s = await open(cfg.socket);
  if (s === null) return { connected: 0 };
  const w = watch(s);
  const chunk = cfg.line.repeat(Math.max(1, Math.floor(16384 / cfg.line.length)));
  const end = Date.now() + cfg.ms;
  let sent = 0;
  await new Promise((resolve) => {
    const pump = () => {
      while (Date.now() < end && !s.destroyed) {
        sent += chunk.length / cfg.line.length;
        if (!s.write(chunk)) { s.once("drain", pump); return; }
      }
      resolve();
    };
    pump();
  });
  s.end();
  await Promise.race([w.closed, sleep(cfg.settleMs ?? 5000)]);
  s.destroy();
  return { connected: 1, sent, replies: w.replies.length, codes: codes(w.replies) };
}

const modes = { "pipeline-unread": pipelineUnread, slowloris, idle, hold, flood };
report(await modes[cfg.mode]());
process.exit(0);
