// A 50 ms link between two network namespaces made for one run (this kernel has no netem).
// Plain ESM so that both the benchmarks (bench/*.bench.mjs, no TypeScript) and the tests
// (test/helpers/netns.ts re-exports it with types from netlab.d.mts) share one copy.
//
// Names are unique per process and link (remo-<pid>-<n>-a/-b) so overlapping runs never
// collide; addresses exist only inside the two namespaces. Teardown is guaranteed as far
// as a process can guarantee it: close() on success or failure, a synchronous sweep on
// process exit, SIGINT and SIGTERM, a delay line that dies with its parent
// (PR_SET_PDEATHSIG), and sweepStaleLinks() removing namespaces left by a dead PID.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const NAME_RE = /^remo-(\d+)-(\d+)-[ab]$/;
const live = new Set();
let counter = 0;
let hooked = false;

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailableReason() {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "network namespaces need root";
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing (the delay line needs tun devices)";
  if (!findPython()) return "python3 is missing (the delay line is a python3 script)";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
  } catch {
    return "`ip netns` does not work (install iproute2)";
  }
  return undefined;
}

function findPython() {
  for (const p of ["/usr/bin/python3", "/usr/local/bin/python3"]) if (existsSync(p)) return p;
  try {
    return execFileSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

function listNamespaces() {
  try {
    return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n").map((l) => l.split(" ")[0]).filter(Boolean);
  } catch {
    return [];
  }
}

/** Kills every process inside `ns` and deletes it; synchronous so it can run in an exit hook. */
function deleteNamespace(ns) {
  try {
    const pids = execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).split(/\s+/).filter(Boolean).map(Number);
    for (const pid of pids) {
      try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
    }
  } catch { /* namespace already gone */ }
  try { execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" }); } catch { /* already gone */ }
}

function teardownSync(link) {
  if (!live.has(link)) return;
  live.delete(link);
  try { process.kill(link.delayPid, "SIGTERM"); } catch { /* already gone */ }
  deleteNamespace(link.nsA);
  deleteNamespace(link.nsB);
}

function hookProcess() {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => { for (const l of [...live]) teardownSync(l); });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    const onSignal = () => {
      for (const l of [...live]) teardownSync(l);
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Deletes remo-<pid>-* namespaces whose creating process is gone (left by a kill -9); returns their names. */
export function sweepStaleLinks() {
  const removed = [];
  for (const ns of listNamespaces()) {
    const m = NAME_RE.exec(ns);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    deleteNamespace(ns);
    removed.push(ns);
  }
  return removed;
}

/**
 * Creates namespaces A and B joined by a delay line of `delayMs` each way.
 * Returns { nsA, nsB, addrA, addrB, delayMs, delayPid, exec(ns, cmd, args, opts), measureRttMs(), close() }.
 */
export async function createLink({ delayMs = 25, readyTimeoutMs = 15_000 } = {}) {
  const why = netnsUnavailableReason();
  if (why) throw new Error(`cannot create a network namespace link: ${why}`);
  sweepStaleLinks();
  hookProcess();
  const n = counter++;
  const nsA = `remo-${process.pid}-${n}-a`;
  const nsB = `remo-${process.pid}-${n}-b`;
  // tun names are made in the root namespace first, so they must be unique there too (max 15 chars).
  const devA = `rt${process.pid}x${n}a`.slice(0, 15);
  const devB = `rt${process.pid}x${n}b`.slice(0, 15);
  const addrA = "169.254.77.1";
  const addrB = "169.254.77.2";
  execFileSync("ip", ["netns", "add", nsA]);
  const link = { nsA, nsB, addrA, addrB, delayMs, delayPid: -1 };
  live.add(link);
  try {
    execFileSync("ip", ["netns", "add", nsB]);
    const child = spawn(findPython(), [join(here, "netns-delay.py"), nsA, nsB, String(delayMs), devA, devB, addrA, addrB], { stdio: ["ignore", "pipe", "pipe"] });
    link.delayPid = child.pid ?? -1;
    let out = "";
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`delay line not ready after ${readyTimeoutMs} ms: ${out}`)); }, readyTimeoutMs);
      const onData = (d) => {
        out += d.toString();
        if (out.includes("ready")) { clearTimeout(timer); resolve(); }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`delay line exited (${code}) before it was ready: ${out}`)); });
    });
    child.stdout.resume();
    child.stderr.resume();
    child.unref();
    child.stdout.unref?.();
    child.stderr.unref?.();
  } catch (e) {
    teardownSync(link);
    throw e;
  }
  return {
    ...link,
    /** Spawns `cmd args` inside `ns` (one of nsA/nsB) via `ip netns exec`. */
    exec(ns, cmd, args = [], opts = {}) {
      return spawn("ip", ["netns", "exec", ns, cmd, ...args], opts);
    },
    /** Median TCP echo round trip A → B in ms over a held connection (5 samples after one warm-up). */
    measureRttMs: () => measureRttMs(link),
    /** Stops the delay line, kills whatever runs in the namespaces and deletes them. */
    close: async () => { teardownSync(link); },
  };
}

// The echo pair runs as two small node processes, one in each namespace.
const ECHO_SERVER = `
const s = require("net").createServer((c) => { c.setNoDelay(true); c.pipe(c); });
s.listen(0, process.argv[1], () => console.log("port " + s.address().port));
`;
const ECHO_CLIENT = `
const [host, port] = [process.argv[1], Number(process.argv[2])];
const c = require("net").connect(port, host, async () => {
  c.setNoDelay(true);
  const times = [];
  for (let i = 0; i < 6; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise((r) => { c.once("data", r); c.write("x"); });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const s = times.slice(1).sort((a, b) => a - b);
  console.log(JSON.stringify({ median: s[Math.floor(s.length / 2)], samples: s }));
  c.end();
});
c.on("error", (e) => { console.error(e.message); process.exit(1); });
`;

async function measureRttMs(link) {
  const server = spawn("ip", ["netns", "exec", link.nsB, process.execPath, "-e", ECHO_SERVER, link.addrB], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = "";
      server.stdout.on("data", (d) => {
        out += d.toString();
        const m = /port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      server.on("exit", (c) => { reject(new Error(`echo server exited ${c}`)); });
    });
    const out = execFileSync("ip", ["netns", "exec", link.nsA, process.execPath, "-e", ECHO_CLIENT, link.addrB, String(port)], { encoding: "utf8", timeout: 30_000 });
    return JSON.parse(out).median;
  } finally {
    server.kill("SIGKILL");
  }
}

/** Names of live namespaces created by this process (for tests of teardown). */
export function liveNamespaces() {
  return [...live].flatMap((l) => [l.nsA, l.nsB]);
}

/** Whether namespace `ns` currently exists. */
export function namespaceExists(ns) {
  return listNamespaces().includes(ns) || existsSync(`/run/netns/${ns}`);
}
