// The 50 ms link the push benchmark runs over: prove the delay is real, names do not collide,
// addresses stay inside the namespaces, and teardown happens on close, SIGINT and kill -9.
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createLink, liveNamespaces, namespaceExists, netnsUnavailableReason, sweepStaleLinks } from "../helpers/netns.ts";
import type { NetnsLink } from "../helpers/netns.ts";

const unavailable = netnsUnavailableReason();
const netlab = fileURLToPath(new URL("../../bench/netlab/netlab.mjs", import.meta.url));

/** Runs a node child that creates a link, prints its names, then waits to be signalled. */
function childWithLink(then = "setInterval(() => {}, 1000);"): Promise<{ pid: number; nsA: string; nsB: string; delayPid: number; exited: Promise<number | null> }> {
  const code = `import(${JSON.stringify(netlab)}).then(async (m) => {
    const l = await m.createLink({ delayMs: 5 });
    console.log(JSON.stringify({ nsA: l.nsA, nsB: l.nsB, delayPid: l.delayPid }));
    ${then}
  });`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => { resolve(c); }));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ pid: child.pid!, ...(JSON.parse(line) as { nsA: string; nsB: string; delayPid: number }), exited });
    });
    child.stderr.on("data", (d: Buffer) => { out += d.toString(); });
    child.on("exit", (c) => { reject(new Error(`child exited ${c} before making a link: ${out}`)); });
  });
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(unavailable !== undefined)("netlab: namespaces joined by a 50 ms delay line", () => {
  const links: NetnsLink[] = [];
  afterAll(async () => { for (const l of links) await l.close(); });

  it("gives a round trip of about 50 ms between A and B, with addresses only inside the namespaces", async () => {
    const link = await createLink({ delayMs: 25 });
    links.push(link);
    const rtt = await link.measureRttMs();
    // Loopback would be ~0.1 ms; the line adds 2 x 25 ms. The upper bound only catches a broken line
    // (a loaded 2-core machine adds scheduling delay, so it is generous).
    expect(rtt).toBeGreaterThanOrEqual(48);
    expect(rtt).toBeLessThan(150);
    const rootAddrs = execFileSync("ip", ["-o", "addr"], { encoding: "utf8" });
    expect(rootAddrs).not.toContain(link.addrA);
    expect(rootAddrs).not.toContain(link.addrB);
    expect(execFileSync("ip", ["-n", link.nsA, "-o", "addr"], { encoding: "utf8" })).toContain(link.addrA);
    expect(execFileSync("ip", ["-n", link.nsB, "-o", "addr"], { encoding: "utf8" })).toContain(link.addrB);
  });

  it("makes unique names per link, and close() removes both namespaces and the delay line", async () => {
    const one = await createLink({ delayMs: 1 });
    const two = await createLink({ delayMs: 1 });
    links.push(one, two);
    const names = [one.nsA, one.nsB, two.nsA, two.nsB];
    expect(new Set(names).size).toBe(4);
    for (const n of names) expect(n).toMatch(new RegExp(`^remo-${process.pid}-\\d+-[ab]$`));
    expect(liveNamespaces()).toEqual(expect.arrayContaining(names));
    await one.close();
    expect(namespaceExists(one.nsA)).toBe(false);
    expect(namespaceExists(one.nsB)).toBe(false);
    await until("delay line to exit", () => !alive(one.delayPid));
    expect(namespaceExists(two.nsA)).toBe(true);
    await two.close();
    expect(namespaceExists(two.nsB)).toBe(false);
  });

  it("tears down when the creating process gets SIGINT", async () => {
    const c = await childWithLink();
    expect(namespaceExists(c.nsA)).toBe(true);
    process.kill(c.pid, "SIGINT");
    await c.exited;
    expect(namespaceExists(c.nsA)).toBe(false);
    expect(namespaceExists(c.nsB)).toBe(false);
    await until("delay line to exit", () => !alive(c.delayPid));
  });

  it("tears down when the creating process dies of an uncaught exception", async () => {
    const c = await childWithLink("setTimeout(() => { throw new Error(\"boom\"); }, 100);");
    expect(await c.exited).toBe(1);
    expect(namespaceExists(c.nsA)).toBe(false);
    expect(namespaceExists(c.nsB)).toBe(false);
    await until("delay line to exit", () => !alive(c.delayPid));
  });

  it("after a kill -9 the delay line dies with its parent and the next run sweeps the namespaces", async () => {
    const c = await childWithLink();
    process.kill(c.pid, "SIGKILL");
    await c.exited;
    await until("delay line to exit (PR_SET_PDEATHSIG)", () => !alive(c.delayPid));
    expect(namespaceExists(c.nsA)).toBe(true);
    expect(sweepStaleLinks()).toEqual(expect.arrayContaining([c.nsA, c.nsB]));
    expect(namespaceExists(c.nsA)).toBe(false);
    expect(namespaceExists(c.nsB)).toBe(false);
  });
});

describe.runIf(unavailable !== undefined)("netlab unavailable", () => {
  // A silent pass is not allowed: fail loudly unless the run explicitly accepts skips.
  it.runIf(process.env.REMO_ALLOW_SKIP !== "1")("needs network namespaces (set REMO_ALLOW_SKIP=1 to accept the skip)", () => {
    expect.fail(`SKIPPED netlab: ${unavailable ?? ""}`);
  });
});
