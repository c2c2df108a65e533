import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureSystemdImage } from "../container/images.ts";
import { chrootUnavailable } from "../feature/debian-root.ts";
import { repoRoot } from "../helpers/broker-process.ts";
import { podman, podmanOk, podmanUnavailable, removeContainersLabelled } from "../helpers/podman.ts";
import type { ProcessResult } from "../helpers/run-process.ts";

/** Why a systemd node cannot boot here (for a loud SKIPPED), or null when it can. */
export function systemdNodeUnavailable(): string | null {
  const reason = podmanUnavailable() ?? chrootUnavailable();
  if (reason !== null) return reason;
  if (spawnSync("sh", ["-c", "command -v systemd-analyze"]).status !== 0) return "systemd is not installed on the host (apt-get install systemd)";
  return null;
}

/** Where the checkout's build and packaging appear inside the node, as a user's checkout would. */
export const checkoutInNode = "/opt/remo-secrets";

/**
 * What gives the node's systemd a memory controller, so MemoryMax= is enforced there as on a
 * real machine. On a hybrid cgroup hierarchy (v1 controllers, an empty v2 mount) podman mounts
 * the v1 memory hierarchy read-only, even with --privileged or a private cgroup namespace, and
 * systemd then accounts nothing; mounted read-write at the same place, systemd creates the
 * unit's memory cgroup under the container's own and the kernel enforces its limit. On a pure
 * cgroup v2 host podman delegates the container's subtree with its controllers already.
 */
function memoryController(): string[] {
  const v1 = "/sys/fs/cgroup/memory";
  return existsSync(`${v1}/memory.limit_in_bytes`) ? ["-v", `${v1}:${v1}:rw`] : [];
}

/**
 * A node: a root podman container whose PID 1 is systemd. It gets what systemd needs on a real
 * machine to set up a unit's sandbox (namespaces, seccomp, mounts: CAP_SYS_ADMIN, CAP_NET_ADMIN),
 * so a hardening directive the kernel or Node cannot take fails here, not on a user's node.
 * The checkout's dist/ and broker/packaging/ are bind-mounted read-only at {@link checkoutInNode}.
 */
export class SystemdNode {
  private constructor(readonly name: string, readonly label: string) {}

  /**
   * Boots a node and waits (with a deadline) until systemd reports running or degraded. With
   * `sshPort`, the node shares the host's network and its sshd listens on 127.0.0.1:`sshPort`
   * only (from a config file in `sshConfigDir`, in place before sshd first starts).
   */
  static async boot(label: string, opts: { sshPort?: number; sshConfigDir?: string; timeoutMs?: number } = {}): Promise<SystemdNode> {
    const image = await ensureSystemdImage();
    const name = `remo-node-${String(process.pid)}-${String(Date.now())}`;
    const ssh: string[] = [];
    if (opts.sshPort !== undefined && opts.sshConfigDir !== undefined) {
      const conf = join(opts.sshConfigDir, "remo-test.conf");
      writeFileSync(conf, `Port ${String(opts.sshPort)}\nListenAddress 127.0.0.1\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n`);
      ssh.push("--network", "host", "-v", `${conf}:/etc/ssh/sshd_config.d/remo-test.conf:ro`);
    }
    await podmanOk([
      "run", "-d", "--name", name, "--label", label, "--hostname", "remo-node", "--systemd=always", ...ssh, ...memoryController(),
      // CAP_DAC_READ_SEARCH: the unit keeps it in its bounding set (manifests in home folders), and
      // a service cannot keep what its manager lacks. CAP_SYS_PTRACE: the test reads the broker's /proc.
      "--cap-add", "SYS_ADMIN,NET_ADMIN,DAC_READ_SEARCH,SYS_PTRACE",
      // The host's AppArmor/SELinux profile for containers forbids the mounts systemd's sandboxing makes.
      "--security-opt", "label=disable", "--security-opt", "apparmor=unconfined", "--security-opt", "seccomp=unconfined",
      "-v", `${join(repoRoot, "dist")}:${checkoutInNode}/dist:ro`,
      "-v", `${join(repoRoot, "broker", "packaging")}:${checkoutInNode}/broker/packaging:ro`,
      image, "/sbin/init",
    ]);
    const node = new SystemdNode(name, label);
    // systemd makes / a shared mount at boot on a real machine but leaves a container's as it
    // finds it (podman: private). Units with LoadCredentialEncrypted= then see an empty
    // credentials directory, because systemd mounts it from a namespace whose mounts cannot
    // propagate. Make it what a real machine has before any unit of ours starts.
    await podmanOk(["exec", name, "mount", "--make-rshared", "/"]);
    const timeoutMs = opts.timeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    let state = "";
    for (;;) {
      state = (await node.sh("systemctl is-system-running")).stdout.trim();
      if (state === "running" || state === "degraded") break;
      if (Date.now() > deadline) {
        const failed = (await node.sh("systemctl --failed --no-legend; journalctl -b --no-pager | tail -40")).stdout;
        throw new Error(`systemd in ${name} did not finish booting within ${String(timeoutMs)} ms (state "${state}"):\n${failed}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return node;
  }

  /** Runs a sh script as root in the node (a login-less `podman exec`); never rejects on a non-zero exit. */
  sh(script: string, opts: { input?: string | Uint8Array; timeoutMs?: number } = {}): Promise<ProcessResult> {
    return podman(["exec", "-i", this.name, "sh", "-c", script], { timeoutMs: opts.timeoutMs ?? 120_000, ...(opts.input === undefined ? {} : { input: opts.input }) });
  }

  /** Like {@link sh}, but throws with the script's output when it exits non-zero. */
  async shOk(script: string, opts: { input?: string | Uint8Array; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.sh(script, opts);
    if (r.code !== 0) throw new Error(`in ${this.name}: ${script}\nexit ${String(r.code ?? r.signal)}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** Waits until `script` exits 0 in the node, polling, with a deadline; returns its stdout. */
  async waitFor(script: string, what: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last: ProcessResult | undefined;
    for (;;) {
      last = await this.sh(script);
      if (last.code === 0) return last.stdout;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${String(timeoutMs)} ms; last try: exit ${String(last.code)}\n${last.stdout}${last.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Starts a long-running sh script as root in the node without waiting for it (`podman exec -d`). */
  async shDetached(script: string): Promise<void> {
    await podmanOk(["exec", "-d", this.name, "sh", "-c", script]);
  }

  /** The node's writable layer on the host: everything the node wrote to its disk since it booted. */
  async upperDir(): Promise<string> {
    return (await podmanOk(["inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", this.name])).trim();
  }

  /** Removes every node this label started. */
  static removeAll(label: string): Promise<void> {
    return removeContainersLabelled(label);
  }
}
