import { execFileSync } from "node:child_process";
import { basename, dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptBundle } from "../helpers/broker-process.ts";
import { makeSentinel } from "../helpers/sentinel.ts";
import { checkoutInNode, SystemdNode, systemdNodeUnavailable } from "./systemd-node.ts";

// The broker on a real systemd node, installed by broker/packaging/install.sh as a user would
// and run by the shipped unit: hardening applied, the key sealed with the host key, the
// project directories kept across restarts, sudo narrowed to the admin wrapper.
const skipReason = systemdNodeUnavailable();
if (skipReason !== null) {
  if (process.env.CI !== undefined) throw new Error(`the systemd node suite cannot run in CI: ${skipReason}`);
  console.warn(`SKIPPED: systemd node suite (test/system): ${skipReason}`);
}

const label = `remo-test=system-${String(process.pid)}`;
const token = makeSentinel("GH");
const client = `${checkoutInNode}/dist/remo-secrets.js`;
let node: SystemdNode;
let installOutput = "";

/** The broker's main PID in the node (0 when it is not running). */
async function mainPid(): Promise<number> {
  return Number((await node.shOk("systemctl show -p MainPID --value remo-broker")).trim());
}

/** Waits until the admin socket answers, then returns `status`. */
async function status(): Promise<Record<string, unknown>> {
  return JSON.parse(await node.waitFor("remo-broker admin status", "remo-broker admin status answers")) as Record<string, unknown>;
}

describe.skipIf(skipReason !== null)("remo-broker on a systemd node", () => {
  beforeAll(async () => {
    node = await SystemdNode.boot(label);
    const r = await node.sh(`cd ${checkoutInNode} && sh broker/packaging/install.sh 2>&1`, { timeoutMs: 120_000 });
    installOutput = r.stdout + r.stderr;
    if (r.code !== 0) throw new Error(`install.sh failed in the node (exit ${String(r.code)}):\n${installOutput}`);
  });

  afterAll(async () => {
    await SystemdNode.removeAll(label);
  });

  it("installs with install.sh, seals the key with the host key, and the broker reports host-key", async () => {
    expect(installOutput).toContain("key source: host-key");
    expect(installOutput).toContain("NOPASSWD: /usr/local/bin/remo-broker-admin");
    expect((await node.sh("systemctl is-active remo-broker")).stdout.trim()).toBe("active");
    // No warnings: e.g. the broker making itself non-dumpable (prctl, setrlimit) under the unit's seccomp filter.
    expect(await status()).toMatchObject({ ok: true, decryption_key_source: "host-key", warnings: [] });
  });

  it("runs with every hardening directive applied: none is skipped, and each is in effect on the process", async () => {
    // systemd logs "…, ignoring" when it cannot set up a directive; on a user's node that is silent weakening.
    const journal = await node.shOk("journalctl -b -u remo-broker --no-pager -o cat");
    expect(journal.split("\n").filter((l) => /ignoring|not permitted|Failed to|failed/i.test(l))).toEqual([]);
    const pid = await mainPid();
    expect(pid).toBeGreaterThan(1);
    const proc = await node.shOk([
      `grep -E '^(Seccomp|NoNewPrivs|CapBnd):' /proc/${String(pid)}/status`,
      `grep -E '^Max (open files|core file size)' /proc/${String(pid)}/limits | awk '{$1=$1};1'`,
      `for ns in net mnt uts; do [ "$(readlink /proc/${String(pid)}/ns/$ns)" = "$(readlink /proc/1/ns/$ns)" ] && echo "$ns shared" || echo "$ns private"; done`,
      // ProcSubset=pid + ProtectProc=invisible, as the broker sees /proc.
      `nsenter -t ${String(pid)} -m sh -c 'test -e /proc/meminfo && echo meminfo visible || echo meminfo hidden; ls /proc | grep -cE "^[0-9]+$"'`,
      `nsenter -t ${String(pid)} -m sh -c 'touch /usr/remo-probe 2>/dev/null && echo usr writable || echo usr read-only'`,
    ].join("; "));
    // LimitNOFILE=65536, unless the node's own hard limit is lower (a container's may be).
    const hardLimit = Number(/^Max open files\s+\S+\s+(\d+)/m.exec(await node.shOk("cat /proc/1/limits"))?.[1]);
    const nofile = Math.min(65536, hardLimit);
    expect(proc.trim().split("\n")).toEqual([
      "CapBnd:\t0000000000000005",
      "NoNewPrivs:\t1",
      "Seccomp:\t2",
      "Max core file size 0 0 bytes",
      `Max open files ${String(nofile)} ${String(nofile)} files`,
      "net private",
      "mnt private",
      "uts private",
      "meminfo hidden",
      expect.stringMatching(/^[1-9]\d*$/),
      "usr read-only",
    ]);
    const props = await node.shOk("systemctl show remo-broker -p MemoryMax -p RuntimeDirectoryPreserve -p PrivateNetwork -p PrivateMounts -p ProcSubset -p MemoryDenyWriteExecute");
    expect(props.trim().split("\n").sort()).toEqual([
      "MemoryDenyWriteExecute=no",
      "MemoryMax=268435456",
      "PrivateMounts=yes",
      "PrivateNetwork=yes",
      "ProcSubset=pid",
      "RuntimeDirectoryPreserve=yes",
    ]);
    // MemoryMax= in the kernel, not only in systemd's view: the broker's own memory cgroup carries
    // the limit and accounts its memory (cgroup v1 memory.limit_in_bytes, or v2 memory.max).
    const cgroup = (await node.shOk("systemctl show -p ControlGroup --value remo-broker")).trim();
    const limit = (await node.shOk(`cat /sys/fs/cgroup/memory${cgroup}/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup${cgroup}/memory.max`)).trim();
    expect(limit).toBe("268435456");
    expect(Number((await node.shOk("systemctl show -p MemoryCurrent --value remo-broker")).trim())).toBeGreaterThan(0);
    // And this node enforces such a limit: a process that allocates past it is OOM-killed.
    const hog = await node.sh("systemd-run --wait --quiet -p MemoryMax=64M -p MemorySwapMax=0 node -e 'const a = []; for (let i = 0; i < 40; i++) a.push(Buffer.alloc(8 << 20, 1)); console.log(\"allocated\")'");
    expect(hog.stdout).not.toContain("allocated");
    expect(hog.code).not.toBe(0);
    // The installed unit as systemd on the node judges it, live.
    const verify = await node.sh("systemd-analyze verify /etc/systemd/system/remo-broker.service 2>&1");
    expect(verify.stdout.split("\n").filter((l) => l.includes("remo-broker"))).toEqual([]);
    const security = await node.shOk("systemd-analyze security --no-pager remo-broker.service 2>&1 | tail -1");
    expect(Number(/exposure level for remo-broker\.service: (\d+\.\d+)/.exec(security)?.[1]), security).toBeLessThanOrEqual(2.0);
  });

  it("is ordered before the container engines", async () => {
    const before = (await node.shOk("systemctl show -p Before --value remo-broker")).trim().split(/\s+/);
    expect(before).toEqual(expect.arrayContaining(["docker.service", "podman.service", "podman.socket", "containerd.service"]));
  });

  it("keeps serving a container that holds the bind-mounted project directory across restart and stop + start", async () => {
    await node.shOk([
      "useradd -m -u 1000 -s /bin/sh dev",
      "mkdir -p /home/dev/proj/.devcontainer",
      "printf 'schema_version = 1\\n\\n[project]\\nname = \"proj\"\\n\\n[allowlist]\\nsecrets = [\"GITHUB_TOKEN\"]\\n' > /home/dev/proj/.devcontainer/remo-broker.toml",
      "chown -R dev:dev /home/dev/proj",
    ].join(" && "));
    const reg = JSON.parse(await node.shOk("remo-broker admin register --name proj --project-path /home/dev/proj")) as { socket_path: string };
    const recipient = (JSON.parse(await node.shOk("remo-broker admin get-public-key")) as { recipient: string }).recipient;
    await node.shOk("remo-broker admin push-creds --project proj >/dev/null", { input: await encryptBundle(recipient, { GITHUB_TOKEN: token }) });

    // The "container": its own mount namespace with the project's directory bind-mounted once,
    // as podman would, serving one get per request file until told to stop.
    const dir = dirname(reg.socket_path);
    const sock = `/srv/c/${basename(reg.socket_path)}`;
    await node.shOk("mkdir -p /tmp/ctl /srv/c && chmod 0777 /tmp/ctl");
    const holder = [
      `mount --bind ${dir} /srv/c`,
      "n=0",
      "while [ ! -e /tmp/ctl/stop ]; do",
      "  n=$((n + 1))",
      "  while [ ! -e /tmp/ctl/req-$n ] && [ ! -e /tmp/ctl/stop ]; do sleep 0.05; done",
      "  [ -e /tmp/ctl/stop ] && break",
      `  runuser -u dev -- env REMO_SECRETS_RETRY_SECONDS=15 node ${client} --socket ${sock} get GITHUB_TOKEN > /tmp/ctl/out-$n.tmp 2>&1; echo "exit=$?" >> /tmp/ctl/out-$n.tmp`,
      "  mv /tmp/ctl/out-$n.tmp /tmp/ctl/out-$n",
      "done",
    ].join("\n");
    await node.shDetached(`unshare --mount --propagation private sh -c '${holder.replaceAll("'", "'\\''")}'`);
    let n = 0;
    const get = async (): Promise<string> => {
      n++;
      await node.shOk(`touch /tmp/ctl/req-${String(n)}`);
      return node.waitFor(`cat /tmp/ctl/out-${String(n)}`, `get #${String(n)} through the held mount`, 60_000);
    };
    const inode = (): Promise<string> => node.shOk(`stat -c %i ${dir}`);
    const inodeBefore = await inode();
    const pidBefore = await mainPid();
    expect(await get()).toBe(`${token}exit=0\n`);

    // No waiting: the unit is started only once the broker has every project's socket back (ExecStartPost=).
    const ready = `remo-broker admin status >/dev/null && test -S ${reg.socket_path} && test "$(cat /run/remo-broker/ready)" = "$(systemctl show -p MainPID --value remo-broker)"`;
    await node.shOk(`systemctl restart remo-broker && ${ready}`);
    expect(await mainPid()).not.toBe(pidBefore);
    expect(await get()).toBe(`${token}exit=0\n`);

    await node.shOk("systemctl stop remo-broker");
    expect((await node.sh("systemctl is-active remo-broker")).stdout.trim()).toBe("inactive");
    // Stopped: the directory the container holds is still there (RuntimeDirectoryPreserve=yes).
    expect(await inode()).toBe(inodeBefore);
    await node.shOk(`systemctl start remo-broker && ${ready}`);
    expect(await get()).toBe(`${token}exit=0\n`);
    expect(await inode()).toBe(inodeBefore);
    await node.shOk("touch /tmp/ctl/stop");
  });

  it("never has the identity in plaintext on the node's disk", async () => {
    // What the node wrote since it booted is the container's upper layer; the image holds no key.
    const upper = await node.upperDir();
    const control = "/root/plaintext-key-control";
    // An identity's shape (bech32, 58 characters); the program text names only the prefix.
    await node.shOk(`echo AGE-SECRET-KEY-1${"Q".repeat(58)} > ${control}`);
    const hits = execFileSync("sh", ["-c", `grep -rlaE --exclude-dir=proc --exclude-dir=sys 'AGE-SECRET-KEY-1[023456789ACDEFGHJKLMNPQRSTUVWXYZ]{58}' "${upper}" || true`], { encoding: "utf8" }).trim().split("\n").filter((l) => l !== "");
    // The control proves the scan sees what the node writes; nothing else may match.
    expect(hits.map((h) => h.slice(upper.length))).toEqual([control]);
    await node.shOk(`rm ${control}`);
    expect((await node.shOk("ls /etc/credstore.encrypted")).trim()).toBe("remo-broker.secrets-key");
    expect((await node.sh("test -e /var/lib/remo-broker/secrets-key")).code).toBe(1);
  });

  it("lets a sudo user run admin and audit through the wrapper only, and refuses the paths that would give root", async () => {
    await node.shOk([
      "useradd -m -s /bin/sh alice",
      "echo 'alice ALL=(root) NOPASSWD: /usr/local/bin/remo-broker-admin' > /etc/sudoers.d/remo-alice",
      "chmod 0440 /etc/sudoers.d/remo-alice",
      "visudo -cf /etc/sudoers.d/remo-alice >/dev/null",
    ].join(" && "));
    const as = (cmd: string): ReturnType<SystemdNode["sh"]> => node.sh(`runuser -u alice -- ${cmd}`);
    const ok = await as("sudo -n remo-broker-admin admin status");
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, decryption_key_source: "host-key" });
    const audit = await as("sudo -n remo-broker-admin audit --json --project proj");
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toContain("\"secret.get\"");
    expect(audit.stdout).not.toContain(token);

    const refused = async (cmd: string, says: RegExp): Promise<void> => {
      const r = await as(cmd);
      expect(r.code, `${cmd}\n${r.stdout}${r.stderr}`).not.toBe(0);
      expect(r.stderr).toMatch(says);
    };
    await refused("sudo -n remo-broker-admin serve --unsafe-paths --audit-file /etc/evil.jsonl", /only "admin" and "audit"/);
    await refused("sudo -n remo-broker-admin keygen --out /etc/sudoers.d/evil", /only "admin" and "audit"/);
    await refused("sudo -n remo-broker-admin audit --audit-file /etc/shadow", /--audit-file is not accepted/);
    await refused("sudo -n remo-broker-admin admin --runtime-dir /tmp/fake status", /--runtime-dir is not accepted/);
    await refused("sudo -n remo-broker serve --audit-file /etc/evil.jsonl", /not allowed to execute|a password is required/);

    // The old advice, a rule for the whole CLI: serve still refuses to point root at other files.
    await node.shOk("echo 'alice ALL=(root) NOPASSWD: /usr/local/bin/remo-broker' >> /etc/sudoers.d/remo-alice && visudo -cf /etc/sudoers.d/remo-alice >/dev/null");
    await refused("sudo -n remo-broker serve --runtime-dir /tmp/evil-run --state-dir /tmp/evil-state --audit-file /etc/evil.jsonl", /refusing --runtime-dir \/tmp\/evil-run/);
    await refused("sudo -n remo-broker serve --unsafe-paths --runtime-dir /tmp/evil-run --state-dir /tmp/evil-state --audit-file /etc/evil.jsonl", /--unsafe-paths is refused under sudo by user \d+/);
    await refused("sudo -n INVOCATION_ID=0123456789abcdef0123456789abcdef remo-broker serve --audit-file /etc/evil.jsonl", /not allowed to set|sorry/i);
    await refused("sudo -n remo-broker keygen --out /etc/sudoers.d/evil", /keygen: refused under sudo by user \d+/);
    expect((await node.sh("ls -d /etc/evil.jsonl /tmp/evil-run /tmp/evil-state /etc/sudoers.d/evil 2>/dev/null")).stdout).toBe("");
    // sudo still works for alice: nothing unparsable landed in /etc/sudoers.d.
    expect((await as("sudo -n remo-broker-admin admin status")).code).toBe(0);
    expect((await node.sh("systemctl is-active remo-broker")).stdout.trim()).toBe("active");
  });
});
