// A container bind-mounts its project's socket *directory*. This runs the real client in its own
// mount namespace with that directory bind-mounted (as a container has it) for the whole run,
// and restarts the broker under it twice: after kill -9 and after SIGTERM. The mount must keep
// reaching the live socket: the broker never removes the directory and only replaces the socket.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { readableCopy } from "../helpers/readable-copy.ts";
import { makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { until } from "./fault-helpers.ts";

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn("SKIPPED: broker restart with a bind-mounted socket directory: needs root (unshare --mount)");

describe.skipIf(!isRoot)("a client holding the bind-mounted socket directory across broker restarts", () => {
  const token = makeSentinel("GH");
  const tmp = makeTempDir("remo-dirmount-");
  let broker: BrokerHandle;
  let socketPath: string;

  beforeAll(async () => {
    broker = await startBroker();
    socketPath = (await broker.registerProject("mounted", { allowlist: ["GITHUB_TOKEN"], socketOwner: "1000:1000" })).socketPath;
    expect(await broker.pushSecrets({ GITHUB_TOKEN: token })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await broker.stop();
    tmp.cleanup();
  });

  it("keeps getting the secret after kill -9 + restart and after SIGTERM + restart, through the same directory", async () => {
    const ctl = join(tmp.path, "ctl");
    const mnt = join(tmp.path, "mnt");
    // The container user must be able to reach the mount point (mkdtemp makes 0700).
    chmodSync(tmp.path, 0o755);
    mkdirSync(ctl);
    mkdirSync(mnt);
    const dir = dirname(socketPath);
    const dirInode = statSync(dir).ino;
    // A readable copy: the checkout may sit under a folder uid 1000 cannot enter.
    const client = readableCopy(join(repoRoot, "dist", "remo-secrets.js"));
    // Values go to files in ctl/, never to this test's output.
    const script = [
      "set -u",
      `mount --bind ${dir} ${mnt}`,
      "export REMO_SECRETS_RETRY_SECONDS=20",
      `get() { setpriv --reuid=1000 --regid=1000 --clear-groups ${process.execPath} ${client} --socket ${mnt}/sock get GITHUB_TOKEN > ${ctl}/value.$1 2> ${ctl}/err.$1; echo $? > ${ctl}/status.$1; }`,
      "get 1",
      `touch ${ctl}/ready.1`,
      `while [ ! -e ${ctl}/go.1 ]; do sleep 0.05; done`,
      "get 2",
      `touch ${ctl}/ready.2`,
      `while [ ! -e ${ctl}/go.2 ]; do sleep 0.05; done`,
      "get 3",
    ].join("\n");
    const container = spawn("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    container.stdout.on("data", (d: Buffer) => { output += d.toString(); });
    container.stderr.on("data", (d: Buffer) => { output += d.toString(); });
    const exited = new Promise<number | null>((resolve) => { container.on("close", resolve); });
    const result = (n: number): { status: string; value: string; err: string } => ({
      status: readFileSync(join(ctl, `status.${n}`), "utf8").trim(),
      value: readFileSync(join(ctl, `value.${n}`), "utf8").trim(),
      err: readFileSync(join(ctl, `err.${n}`), "utf8").trim(),
    });

    // A failed step must not leave the namespace shell waiting for its go file forever.
    try {
      await until("the first get inside the namespace", () => existsSync(join(ctl, "ready.1")), 60_000);
      expect(result(1)).toEqual({ status: "0", value: token, err: "" });

      await broker.kill9();
      await broker.restart();
      writeFileSync(join(ctl, "go.1"), "");
      await until("the get after kill -9 + restart", () => existsSync(join(ctl, "ready.2")), 60_000);
      expect(result(2)).toEqual({ status: "0", value: token, err: "" });

      expect(await broker.stop()).toBe(0);
      await broker.restart();
      writeFileSync(join(ctl, "go.2"), "");
      expect(await exited, output).toBe(0);
      expect(result(3)).toEqual({ status: "0", value: token, err: "" });

      // The very directory the namespace mounted is still the registered project's directory.
      expect(statSync(dir).ino).toBe(dirInode);
      expect(output).not.toContain(token);
    } finally {
      if (container.exitCode === null && container.signalCode === null) container.kill("SIGKILL");
    }
  });
});
