// A throwaway OpenSSH sshd for the push benchmark (and anything else that cannot import
// test/helpers): its own host key, client key, config, log and known_hosts in `dir`.
// It logs in as root but with root's shell rc files hidden in sshd's private mount
// namespace: a login shell running heavy rc files (pyenv here: +300 ms) slows every
// `ssh node cmd`, and a node would give the push account a plain shell (docs/architecture.md#known-traps).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

const SSHD = ["/usr/sbin/sshd", "/usr/bin/sshd"].find((p) => existsSync(p)) ?? "sshd";

/** A free TCP port on 127.0.0.1 (small race, acceptable for a throwaway sshd). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => { resolve(port); });
    });
  });
}

/** The SHA256 fingerprint of a public key file, exactly as `ssh-keygen -lf` prints it. */
export function fingerprint(pubFile) {
  return execFileSync("ssh-keygen", ["-lf", pubFile], { encoding: "utf8" }).split(" ")[1];
}

/**
 * Starts sshd listening on `listen`:`port` in `dir`. `netns` runs it inside that network
 * namespace. Returns { host, port, hostKeySha256, clientKeyFile, knownHostsFile, logFile,
 * sshArgs(extra), stop() }.
 */
export async function startSshd({ dir, listen = "127.0.0.1", port, netns, readyTimeoutMs = 20_000 }) {
  port ??= netns ? 2222 : await freePort();
  const hostKey = join(dir, "ssh_host_ed25519_key");
  const clientKey = join(dir, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "remo-test-host", "-f", hostKey]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "remo-test-client", "-f", clientKey]);
  const authorizedKeys = join(dir, "authorized_keys");
  writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const logFile = join(dir, "sshd.log");
  const config = join(dir, "sshd_config");
  writeFileSync(config, [
    `Port ${port}`,
    `ListenAddress ${listen}`,
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    "StrictModes no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin prohibit-password",
    "UsePAM no",
    "UseDNS no",
    "PrintMotd no",
    "Subsystem sftp internal-sftp",
    "LogLevel VERBOSE",
    "",
  ].join("\n"));
  const knownHostsFile = join(dir, "known_hosts");
  const hostPub = readFileSync(`${hostKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  writeFileSync(knownHostsFile, `[${listen}]:${port} ${hostPub}\n`);
  // The private mount namespace hides root's rc files from the session shell only.
  const inner = `mkdir -p -m 0755 /run/sshd; for f in /root/.bashrc /root/.profile /root/.bash_profile; do [ -e "$f" ] && mount --bind /dev/null "$f"; done; exec ${SSHD} -D -e -E ${JSON.stringify(logFile)} -f ${JSON.stringify(config)}`;
  const argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", inner];
  const child = netns ? spawn("ip", ["netns", "exec", netns, ...argv], { stdio: "ignore" }) : spawn(argv[0], argv.slice(1), { stdio: "ignore" });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const end = Date.now() + readyTimeoutMs;
  for (;;) {
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
    if (/Server listening on/.test(log)) break;
    if (child.exitCode !== null || Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`sshd did not start (exit ${child.exitCode}): ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    host: listen,
    port,
    user: "root",
    pid: child.pid,
    hostKeySha256: fingerprint(`${hostKey}.pub`),
    clientKeyFile: clientKey,
    knownHostsFile,
    logFile,
    /** OpenSSH client arguments pinned to this server's host key, then `command` to run there. */
    sshArgs: (command = []) => ["-p", String(port), "-i", clientKey, "-o", `UserKnownHostsFile=${knownHostsFile}`, "-o", "StrictHostKeyChecking=yes",
      "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-F", "/dev/null", `root@${listen}`, ...command],
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => { child.kill("SIGKILL"); }, 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
