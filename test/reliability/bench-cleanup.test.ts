// Ctrl-C in the middle of `npm run bench` (the 50 ms-link push benchmark) must not leave
// network namespaces, the delay line, sshd or the broker behind.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { netnsUnavailableReason } from "../helpers/netns.ts";
import { until } from "./fault-helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const unavailable = netnsUnavailableReason();

function namespacesOf(pid: number): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith(`remo-${pid}-`));
}

/** PIDs of processes whose command line mentions `text` (excluding this test's own). */
function processesMentioning(text: string): number[] {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(text) && !l.includes("ps -eo")).map((l) => Number(l.trim().split(" ")[0]));
}

/** Temp dirs bench/run.mjs made (one per bench module). */
function benchTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith("remo-bench-")).map((n) => join(tmpdir(), n));
}

describe.skipIf(unavailable !== undefined)("push-link benchmark teardown", () => {
  for (const how of ["Ctrl-C (SIGINT to the process group)", "SIGTERM to the bench process only"] as const) {
    it(`leaves no namespace, delay line, sshd, broker or temp dir after ${how} mid-run`, async () => {
      const before = new Set(benchTempDirs());
      // Its own process group, like a terminal job, so Ctrl-C can reach the bench and its children.
      const bench = spawn(process.execPath, ["bench/run.mjs", "push-link"], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, REMO_BENCH_LINK_RUNS: "50" } });
      let err = "";
      bench.stderr.on("data", (d: Buffer) => { err += d.toString(); });
      bench.stdout.resume();
      const exited = new Promise<void>((resolve) => bench.on("exit", () => { resolve(); }));
      const pid = bench.pid!;
      let tmp: string[] = [];
      try {
        // The link is up and pushes are running over it once the bench logs the RTT.
        await until("the bench to create its link and start pushing", () => namespacesOf(pid).length === 2 && err.includes("link RTT"), 120_000);
        tmp = benchTempDirs().filter((d) => !before.has(d));
        expect(tmp.length).toBeGreaterThan(0);
        if (how.startsWith("Ctrl-C")) process.kill(-pid, "SIGINT");
        else process.kill(pid, "SIGTERM");
        await exited;
      } finally {
        try { process.kill(-pid, "SIGKILL"); } catch { /* already gone */ }
      }
      await until("namespaces of the interrupted bench to be gone", () => namespacesOf(pid).length === 0, 20_000);
      await until("no delay line, sshd or broker of the bench left", () => processesMentioning(`remo-${pid}-`).length === 0 && tmp.every((d) => processesMentioning(d).length === 0), 20_000);
      expect(tmp.filter((d) => existsSync(d))).toEqual([]);
    });
  }
});

describe.runIf(unavailable !== undefined)("push-link benchmark teardown (unavailable)", () => {
  it.runIf(process.env.REMO_ALLOW_SKIP !== "1")("needs network namespaces (set REMO_ALLOW_SKIP=1 to accept the skip)", () => {
    expect.fail(`SKIPPED: ${unavailable ?? ""}`);
  });
});
