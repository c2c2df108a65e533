// The soak driver shared by test/reliability/soak.test.ts (CI size) and scripts/soak.mjs
// (the full 1,000,000). Plain ESM so the script runs with no build step.
//
// Every pushed bundle has a generation number; every value names its generation and
// secret and ends with a checksum of the rest, so a reply that mixes two bundles, is
// cut short or is not a value of any pushed bundle is detected ("torn"). Values also
// vary in length per generation so a truncation cannot look complete.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";

/** Reads one `<key>: N kB` field (VmRSS, RssAnon, …) of `pid` in KiB from /proc/<pid>/status. */
export function statusKiB(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no ${key} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Reads VmRSS of `pid` in KiB from /proc/<pid>/status. */
export function rssKiB(pid) {
  return statusKiB(pid, "VmRSS");
}

/** The value of secret `name` in generation `gen`: self-describing and checksummed. */
export function makeValue(gen, name) {
  const body = `g${gen}.${name}.${randomBytes(8 + (gen % 40)).toString("hex")}`;
  return `${body}.${createHash("sha256").update(body).digest("hex").slice(0, 16)}`;
}

/** One bundle (name → value) for generation `gen`. */
export function makeBundle(gen, names) {
  return Object.fromEntries(names.map((n) => [n, makeValue(gen, n)]));
}

/**
 * Classifies one get reply against the pushed bundles: "ok" with its generation,
 * or "torn" (not exactly a value of the generation it claims), or "error" (ok:false).
 */
export function checkReply(reply, name, bundles) {
  if (reply?.ok !== true) return { kind: "error", code: String(reply?.code ?? "no reply") };
  const v = reply.value;
  if (typeof v !== "string") return { kind: "torn", why: "value is not a string" };
  const m = /^g(\d+)\.([A-Za-z0-9_]+)\.[0-9a-f]+\.([0-9a-f]{16})$/.exec(v);
  if (!m) return { kind: "torn", why: "value does not parse" };
  const gen = Number(m[1]);
  if (m[2] !== name) return { kind: "torn", why: "value of another secret" };
  if (bundles.get(gen)?.[name] !== v) return { kind: "torn", why: "not a value of any pushed bundle" };
  return { kind: "ok", gen };
}

/** A held NDJSON connection that sends one request at a time and resolves its reply. */
function openConnection(socketPath) {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let buf = "";
    const waiters = [];
    sock.setEncoding("utf8");
    sock.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const w = waiters.shift();
        if (w) w.resolve(JSON.parse(line));
      }
    });
    const failAll = (e) => { for (const w of waiters.splice(0)) w.reject(e); };
    sock.on("error", (e) => { failAll(e); reject(e); });
    sock.on("close", () => { failAll(new Error("connection closed by the broker")); });
    sock.on("connect", () => {
      resolve({
        request: (obj) => new Promise((res, rej) => { waiters.push({ resolve: res, reject: rej }); sock.write(JSON.stringify(obj) + "\n"); }),
        close: () => { sock.end(); },
      });
    });
  });
}

const percentile = (sorted, p) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/**
 * Runs a warm-up, then `totalGets` measured gets spread over `connections` held
 * connections, while `push(bundle)` replaces the bundle every `pushIntervalMs` throughout.
 *
 * Warm-up: V8 grows a fresh process's old space lazily and in steps (the live heap after
 * a full GC stays flat, about 8 MiB, but RSS climbs until the heap limit settles, which on
 * this machine takes 300,000-500,000 gets), so "RSS after warm-up" is read after
 * `warmupGets` gets, checked exactly like the measured ones.
 * Returns counts and figures; never throws for a bad reply (it is counted), so the
 * caller sees everything that went wrong.
 */
export async function runSoak({ socketPath, brokerPid, push, totalGets, connections = 100, pushIntervalMs = 100, names = ["ALPHA", "BRAVO", "CHARLIE", "DELTA"],
  warmupGets = 500_000, afterWarmup = async () => { /* nothing to do between the phases */ }, log = () => { /* quiet unless the caller logs */ } }) {
  const bundles = new Map();
  let gen = 0;
  bundles.set(gen, makeBundle(gen, names));
  await push(bundles.get(gen));
  const result = {
    gets: 0, warmupGets: 0, errors: 0, errorCodes: {}, torn: 0, tornExamples: [], regressions: 0,
    pushes: 1, pushErrors: 0, pushErrorExamples: [], generationsSeen: new Set(),
    rssStartKiB: rssKiB(brokerPid), rssWarmKiB: NaN, rssEndKiB: NaN, rssPeakKiB: 0, rssTimeline: [],
    durationMs: 0, wallMs: 0, getsPerSecond: 0, latencyP50Ms: NaN, latencyP99Ms: NaN,
  };
  let stop = false;
  let latencySample = [];

  const pusher = (async () => {
    // Start-to-start cadence: a push every pushIntervalMs, however long each one takes.
    const start = performance.now();
    for (let k = 1; !stop; k++) {
      await new Promise((r) => setTimeout(r, Math.max(0, start + k * pushIntervalMs - performance.now())));
      if (stop) break;
      const next = gen + 1;
      // Registered before the push is sent: a reply may carry it as soon as the broker swaps.
      bundles.set(next, makeBundle(next, names));
      try {
        await push(bundles.get(next));
        gen = next;
        result.pushes++;
      } catch (e) {
        result.pushErrors++;
        if (result.pushErrorExamples.length < 5) result.pushErrorExamples.push(String(e?.message ?? e));
      }
    }
  })();

  const sampler = setInterval(() => {
    try { result.rssPeakKiB = Math.max(result.rssPeakKiB, rssKiB(brokerPid)); } catch { /* broker gone: counted as errors */ }
  }, 250);

  /** Runs `count` gets over fresh held connections; returns the number done. */
  const phase = async (count) => {
    let issued = 0;
    let done = 0;
    const worker = async (w) => {
      const conn = await openConnection(socketPath);
      let lastGen = -1;
      try {
        while (issued < count) {
          const n = issued++;
          const name = names[(n + w) % names.length];
          const s = performance.now();
          let reply;
          try {
            reply = await conn.request({ op: "get", name });
          } catch (e) {
            reply = { ok: false, code: `transport: ${e.message}` };
          }
          if ((n & 63) === 0) latencySample.push(performance.now() - s);
          done++;
          const c = checkReply(reply, name, bundles);
          if (c.kind === "error") {
            result.errors++;
            result.errorCodes[c.code] = (result.errorCodes[c.code] ?? 0) + 1;
            if (c.code.startsWith("transport")) return;
          } else if (c.kind === "torn") {
            result.torn++;
            if (result.tornExamples.length < 5) result.tornExamples.push(c.why);
          } else {
            result.generationsSeen.add(c.gen);
            // One connection, one request at a time: a later get never sees an older bundle.
            if (c.gen < lastGen) result.regressions++;
            lastGen = Math.max(lastGen, c.gen);
          }
        }
      } finally {
        conn.close();
      }
    };
    await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
    return done;
  };

  const wallStart = performance.now();
  let t0 = performance.now();
  try {
    while (result.warmupGets < warmupGets) {
      result.warmupGets += await phase(Math.min(100_000, warmupGets - result.warmupGets));
      const now = rssKiB(brokerPid);
      result.rssTimeline.push({ gets: result.warmupGets, rssKiB: now });
      log(`warm-up: ${result.warmupGets} gets, broker RSS ${(now / 1024).toFixed(1)} MiB`);
    }
    // Before the RSS reading, so whatever the callback costs the broker is in both readings.
    await afterWarmup();
    result.rssWarmKiB = rssKiB(brokerPid);
    latencySample = [];
    t0 = performance.now();
    const step = Math.max(1, Math.floor(totalGets / 10));
    while (result.gets < totalGets) {
      const n = Math.min(step, totalGets - result.gets);
      const done = await phase(n);
      result.gets += done;
      const now = rssKiB(brokerPid);
      result.rssTimeline.push({ gets: result.warmupGets + result.gets, rssKiB: now });
      log(`${result.gets} gets, bundle generation ${gen}, broker RSS ${(now / 1024).toFixed(1)} MiB`);
      if (done < n) break;
    }
  } finally {
    stop = true;
    clearInterval(sampler);
    await pusher;
  }
  result.durationMs = performance.now() - t0;
  result.wallMs = performance.now() - wallStart;
  result.rssEndKiB = rssKiB(brokerPid);
  result.rssPeakKiB = Math.max(result.rssPeakKiB, result.rssEndKiB);
  result.getsPerSecond = result.gets / (result.durationMs / 1000);
  latencySample.sort((a, b) => a - b);
  result.latencyP50Ms = percentile(latencySample, 0.5);
  result.latencyP99Ms = percentile(latencySample, 0.99);
  return { ...result, generationsSeen: result.generationsSeen.size };
}
