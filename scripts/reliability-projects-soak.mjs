// The many-projects soak shape: `projects` registered projects, each asked for a secret
// `hz` times a second, every get on a new connection (connect, get, close), for `durationMs`.
// This is what a node running many containers' credential helpers looks like, and the shape
// in which per-connection state that is never freed shows up as RSS growth. Plain ESM.
import { connect } from "node:net";
import { rssKiB } from "./reliability-soak.mjs";

/** One get on a fresh connection; resolves the parsed reply (or { ok: false, code } on a failure). */
function getOnce(socketPath, name, timeoutMs) {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    let buf = "";
    const timer = setTimeout(() => { s.destroy(); resolve({ ok: false, code: "client_timeout" }); }, timeoutMs);
    s.setEncoding("utf8");
    s.on("connect", () => { s.write(JSON.stringify({ op: "get", name }) + "\n"); });
    s.on("data", (d) => {
      buf += d;
      const i = buf.indexOf("\n");
      if (i === -1) return;
      clearTimeout(timer);
      s.destroy();
      try { resolve(JSON.parse(buf.slice(0, i))); } catch { resolve({ ok: false, code: "unparsable" }); }
    });
    s.on("error", (e) => { clearTimeout(timer); resolve({ ok: false, code: e.code ?? "error" }); });
  });
}

/**
 * Drives the shape against `sockets` ([{ socketPath, name, value }]) and samples the broker's
 * RSS every second. Resolves counts, latencies and the RSS timeline (start, after warm-up,
 * end, peak).
 */
export async function runProjectsSoak({ brokerPid, sockets, hz = 10, durationMs = 600_000, warmupMs = 60_000, timeoutMs = 1000, log = () => { /* quiet unless the caller logs */ } }) {
  const start = Date.now();
  const result = { gets: 0, errors: 0, errorCodes: {}, wrongValues: 0, slowest_ms: 0, latencies: [], rssStartKiB: rssKiB(brokerPid), rssWarmKiB: 0, rssEndKiB: 0, rssPeakKiB: 0, rssTimeline: [] };
  let running = true;
  let samples = 0;
  const sampler = setInterval(() => {
    const rss = rssKiB(brokerPid);
    result.rssPeakKiB = Math.max(result.rssPeakKiB, rss);
    if (result.rssWarmKiB === 0 && Date.now() - start >= warmupMs) result.rssWarmKiB = rss;
    const t = Math.round((Date.now() - start) / 1000);
    if (++samples % 30 === 0) { result.rssTimeline.push({ s: t, rssKiB: rss }); log(`${t} s: ${result.gets} gets, ${result.errors} errors, RSS ${(rss / 1024).toFixed(1)} MiB`); }
  }, 1000);
  const period = 1000 / hz;
  const perProject = sockets.map(async (p, i) => {
    // Spread the projects over one period so the load is steady, not 50 at once.
    await new Promise((r) => setTimeout(r, (period * i) / sockets.length));
    let next = Date.now();
    while (running) {
      const t0 = performance.now();
      const r = await getOnce(p.socketPath, p.name, timeoutMs);
      const ms = performance.now() - t0;
      result.gets++;
      if (result.latencies.length < 200_000) result.latencies.push(ms);
      result.slowest_ms = Math.max(result.slowest_ms, ms);
      if (r.ok !== true) { result.errors++; result.errorCodes[r.code] = (result.errorCodes[r.code] ?? 0) + 1; } else if (r.value !== p.value) result.wrongValues++;
      next += period;
      await new Promise((res) => setTimeout(res, Math.max(0, next - Date.now())));
    }
  });
  await new Promise((r) => setTimeout(r, durationMs));
  running = false;
  await Promise.all(perProject);
  clearInterval(sampler);
  result.rssEndKiB = rssKiB(brokerPid);
  if (result.rssWarmKiB === 0) result.rssWarmKiB = result.rssStartKiB;
  result.durationMs = Date.now() - start;
  return result;
}
