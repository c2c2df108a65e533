// `npm run try` (scripts/try.mjs) for real: code-server from the shared tool cache, the packaged
// extension, a loopback node. Waits for its ready line, checks the page answers /healthz and the
// node takes an admin command over SSH with `remo-broker` on PATH (what Add Node relies on),
// then SIGTERM must stop every process it started and remove its temp folder.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/broker-process.ts";
import { runProcess } from "../helpers/run-process.ts";

interface Ready { url: string; healthz: string; work: string; codeServerPid: number }

/** Pids of live processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "latin1").includes(needle)) pids.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("npm run try", () => {
  let child: ChildProcess | undefined;
  afterAll(() => { if (child?.exitCode === null) child.kill("SIGKILL"); });

  it("serves VS Code with a reachable node, and SIGTERM removes its processes and temp folder", async () => {
    const proc = spawn(process.execPath, [join(repoRoot, "scripts", "try.mjs")], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "" } });
    child = proc;
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    proc.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    // The first run on a fresh machine installs code-server into the cache (minutes).
    const ready = await until("the ready line", () => {
      if (proc.exitCode !== null) throw new Error(`try.mjs exited ${proc.exitCode}:\n${out}\n${err}`);
      const m = /^ready (\{"url".*\})$/m.exec(out);
      return m?.[1] === undefined ? undefined : JSON.parse(m[1]) as Ready;
    }, 540_000);
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?folder=.*remo-fixture$/);
    expect((await fetch(ready.healthz)).ok).toBe(true);
    expect(out).toContain("host key to confirm:  SHA256:");

    // The node as Add Node reaches it: plain `remo-broker` over SSH, no broker-command setting.
    const node = JSON.parse(readFileSync(join(ready.work, "node.json"), "utf8")) as { port: number; identityFile: string };
    const ssh = await runProcess("ssh", ["-F", join(ready.work, "ssh_config"), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", `UserKnownHostsFile=${join(ready.work, "known_hosts")}`, "remo-try", "remo-broker admin status"]);
    expect(ssh.code, ssh.stderr).toBe(0);
    expect(JSON.parse(ssh.stdout)).toMatchObject({ ok: true, protocol_version: 2 });
    expect(node.port).toBeGreaterThan(0);
    expect(processesMentioning(ready.work).length).toBeGreaterThan(0);

    proc.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => { if (proc.exitCode !== null) r(proc.exitCode); else proc.once("exit", r); });
    expect(code).toBe(0);
    expect(existsSync(ready.work)).toBe(false);
    await until("every process of the run to exit", () => (processesMentioning(ready.work).length === 0 ? true : undefined), 10_000);
    expect(await fetch(ready.healthz).then(() => "answered", () => "refused")).toBe("refused");
  }, 600_000);
});
