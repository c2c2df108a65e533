import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import type { BindMount } from "./debian-root.ts";
import { ensureStagedClient, hostNode, install, newFeatureSandbox, skipReason } from "./feature-sandbox.ts";

// What a running container sees when the broker restarts under it. The mount stays in
// place for the whole run (one mount namespace), as in a real container; the broker
// restarts in the middle, when the script inside says it is ready.
if (skipReason !== null) console.warn(`SKIPPED: broker restart mount tests: ${skipReason}`);

const token = makeSentinel("GH");
let broker: BrokerHandle;
let socketPath: string;
const ctl = makeTempDir("remo-restart-ctl-");

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Inside the container: get once, signal ready, wait for the host's go, get again
 * (with a retry budget). Between the two, the host restarts the broker.
 */
async function getAcrossRestart(binds: BindMount[], socketInContainer: string, name: string): Promise<string> {
  const dir = join(ctl.path, name);
  mkdirSync(dir);
  const s = newFeatureSandbox();
  try {
    expect((await s.run("useradd -m -u 1000 vscode")).status).toBe(0);
    expect((await install(s)).status).toBe(0);
    const script = [
      `export REMO_BROKER_SOCKET=${socketInContainer} REMO_SECRETS_RETRY_SECONDS=5`,
      "r1=$(runuser -u vscode -- remo-secrets get GITHUB_TOKEN >/dev/null 2>&1; echo $?)",
      "touch /ctl/ready",
      "while [ ! -e /ctl/go ]; do sleep 0.05; done",
      "r2=$(runuser -u vscode -- remo-secrets get GITHUB_TOKEN 2>&1 >/dev/null; echo \" status=$?\")",
      "echo \"first=$r1 second=$r2\"",
    ].join("\n");
    const running = s.run(script, { binds: [hostNode, { from: dir, to: "/ctl" }, ...binds], timeoutMs: 120_000 });
    await waitForFile(join(dir, "ready"), 60_000);
    await broker.stop();
    await broker.restart();
    writeFileSync(join(dir, "go"), "");
    const r = await running;
    return r.stdout.trim();
  } finally {
    s.cleanup();
  }
}

describe.skipIf(skipReason !== null)("a container's mount across a broker restart", () => {
  beforeAll(async () => {
    ensureStagedClient();
    broker = await startBroker();
    socketPath = (await broker.registerProject("restart", { allowlist: ["GITHUB_TOKEN"], socketOwner: "1000:1000" })).socketPath;
    await broker.pushSecrets({ GITHUB_TOKEN: token });
  });

  afterAll(async () => {
    await broker.stop();
    rmSync(broker.dir, { recursive: true, force: true });
    ctl.cleanup();
  });

  it("binding the socket FILE (the mount older configurations used) pins the old inode: after a restart the container is refused until it is recreated", async () => {
    const out = await getAcrossRestart([{ from: socketPath, to: "/run/remo-broker/sock", file: true }], "/run/remo-broker/sock", "file");
    expect(out).toBe("first=0 second=remo-secrets: cannot reach the Remo broker at /run/remo-broker/sock (ECONNREFUSED): the broker is not running, or it restarted after this container started; check 'systemctl status remo-broker' on the node, then restart the container (a bind-mounted socket file keeps pointing at the old socket)\n status=5");
  });

  it("binding the runtime DIRECTORY survives a restart: the client's retry rides it out", async () => {
    const out = await getAcrossRestart([{ from: dirname(socketPath), to: "/run/remo-broker" }], "/run/remo-broker/sock", "dir");
    expect(out).toBe("first=0 second= status=0");
  });
});
