// A real OpenSSH sshd on 127.0.0.1 for integration tests and benchmarks: throwaway host and user keys,
// its own sshd_config, VERBOSE log to a file the tests scan afterwards. Runs as root (this sandbox).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";

/** A running sshd. */
export interface SshdHandle {
  dir: string;
  port: number;
  /** Private key the login user is authorised with. */
  userKeyFile: string;
  /** The host key's `SHA256:…` fingerprint as `ssh-keygen -lf` prints it. */
  hostKeySha256(): string;
  /** The host public key line (for a known_hosts file). */
  hostKeyLine(): string;
  logFile: string;
  log(): string;
  /** Replaces the host key with a new one and restarts sshd on the same port. */
  rotateHostKey(): Promise<void>;
  stop(): Promise<void>;
}

/** Options for {@link startSshd}. */
export interface SshdOptions {
  dir: string;
  /** Extra sshd_config lines, e.g. SetEnv. */
  extraConfig?: string[];
  /** Login users allowed in (default root). */
  users?: string[];
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => { if (typeof addr === "object" && addr !== null) resolve(addr.port); else reject(new Error("no port")); });
    });
  });
}

/** The `SHA256:…` fingerprint of a public key file, from ssh-keygen itself. */
export function sshKeygenFingerprint(pubFile: string): string {
  const out = execFileSync("ssh-keygen", ["-lf", pubFile], { encoding: "utf8" });
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith("SHA256:")) throw new Error(`unexpected ssh-keygen output: ${out}`);
  return fp;
}

/** Makes an ed25519 key pair with no passphrase; returns the private key path. */
export function makeKey(path: string, comment = "remo-test"): string {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  return path;
}

/** Starts sshd on a free loopback port; resolves once it logs that it listens. */
export async function startSshd(opts: SshdOptions): Promise<SshdHandle> {
  const dir = opts.dir;
  mkdirSync(dir, { recursive: true });
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // privilege separation directory
  const hostKey = makeKey(join(dir, "ssh_host_ed25519_key"), "remo-test-host");
  const userKeyFile = makeKey(join(dir, "id_ed25519"), "remo-test-user");
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${userKeyFile}.pub`));
  // sshd reads authorized_keys as the login user: non-root test users need to reach it.
  chmodSync(join(dir, "authorized_keys"), 0o644);
  chmodSync(dir, 0o755);
  const logFile = join(dir, "sshd.log");
  const configFile = join(dir, "sshd_config");
  let port = 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const writeConfig = (): void => {
    writeFileSync(configFile, [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "StrictModes no",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      "LogLevel VERBOSE",
      "PrintMotd no",
      `AllowUsers ${(opts.users ?? ["root"]).join(" ")}`,
      "Subsystem sftp internal-sftp",
      ...(opts.extraConfig ?? []),
      "",
    ].join("\n"));
  };

  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      writeConfig();
      const before = existsSync(logFile) ? readFileSync(logFile, "utf8").length : 0;
      const c = spawnSshd(configFile, logFile);
      child = c;
      exited = new Promise((resolve) => { c.once("exit", () => { resolve(); }); });
      const ready = await waitFor(() => {
        const text = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(before) : "";
        if (text.includes("Server listening on")) return "ready";
        if (c.exitCode !== null || /Bind to port .* failed|Cannot bind any address/.test(text)) return "failed";
        return undefined;
      }, 20_000);
      if (ready === "ready" && await canConnect(port)) return;
      c.kill("SIGKILL");
      await exited;
      if (attempt >= 3) throw new Error(`sshd did not start; log:\n${existsSync(logFile) ? readFileSync(logFile, "utf8") : "(none)"}`);
    }
  };
  await launch();

  const stop = async (): Promise<void> => {
    if (child?.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };
  return {
    dir,
    get port() { return port; },
    userKeyFile,
    hostKeySha256: () => sshKeygenFingerprint(`${hostKey}.pub`),
    hostKeyLine: () => readFileSync(`${hostKey}.pub`, "utf8").trim(),
    logFile,
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    rotateHostKey: async () => {
      const keep = port;
      await stop();
      makeKey(hostKey, "remo-test-host-rotated");
      const c = spawnSshd(configFile, logFile);
      child = c;
      exited = new Promise((resolve) => { c.once("exit", () => { resolve(); }); });
      port = keep;
      const ok = await waitFor(async () => (await canConnect(port)) ? true : undefined, 20_000);
      if (ok !== true) throw new Error("sshd did not come back after the host key rotation");
    },
    stop,
  };
}

/**
 * Runs sshd in a private mount namespace where root's shell rc files read as empty: this
 * machine's ~/.bashrc runs pyenv (+300 ms per `ssh node cmd`), and a node gives the push
 * account a plain shell (docs/architecture.md#known-traps). The files themselves are untouched.
 */
function spawnSshd(configFile: string, logFile: string): ChildProcess {
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  const inner = `for f in /root/.bashrc /root/.profile /root/.bash_profile; do [ -e "$f" ] && mount --bind /dev/null "$f"; done; exec /usr/sbin/sshd -D -f ${q(configFile)} -E ${q(logFile)}`;
  return spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", inner], { stdio: "ignore" });
}

// The wrapper is plain JS so the benchmarks share it.
export { writeBrokerWrapper } from "../../scripts/broker-wrapper.mjs";

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => { resolve(false); });
  });
}

/** A throwaway login user (no home, /bin/sh) for non-root tests; `remove()` deletes it. Root only. */
export function addThrowawayUser(name: string): { name: string; remove: () => void } {
  // "*" (no password) rather than the default "!" (locked): sshd refuses locked accounts even for keys.
  execFileSync("useradd", ["--no-create-home", "--shell", "/bin/sh", "--password", "*", name]);
  return { name, remove: () => { execFileSync("userdel", [name]); } };
}

/** Starts a real ssh-agent on a socket in `dir` holding `keyFile`; `stop()` kills it by its pid. */
export function startAgent(dir: string, keyFile: string): { socket: string; stop: () => void } {
  const socket = join(dir, "agent.sock");
  const out = execFileSync("ssh-agent", ["-s", "-a", socket], { encoding: "utf8" });
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`ssh-agent printed no pid: ${out}`);
  execFileSync("ssh-add", ["-q", keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: "ignore" });
  return { socket, stop: () => { try { process.kill(pid, "SIGTERM"); } catch { /* already gone */ } } };
}
