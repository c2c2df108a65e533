// Starts the built broker (dist/remo-broker.js) the way a service would (keygen, 0600
// identity, its own runtime/state/audit paths) for plain-ESM callers: scripts/soak.mjs
// and bench/push-link.bench.mjs. Tests use test/helpers/broker-process.ts instead (and
// `unitNodeArgs` from here, declared for them in reliability-broker.d.mts).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { Encrypter } from "age-encryption";

/**
 * The Node flags the systemd unit runs the broker with, as command-line arguments: its
 * NODE_OPTIONS and the flags on its ExecStart line before the script. Read from the unit, so a
 * test, soak or bench runs the broker as deployed.
 */
export function unitNodeArgs(root) {
  const unit = readFileSync(join(root, "broker", "packaging", "remo-broker.service"), "utf8");
  const options = /^Environment="?NODE_OPTIONS=([^"\n]+)"?$/m.exec(unit)?.[1];
  const exec = /^ExecStart=@NODE@((?: +-[^ \n]+)*) +@LIBDIR@\/remo-broker\.js serve$/m.exec(unit)?.[1];
  if (options === undefined || exec === undefined) throw new Error("broker/packaging/remo-broker.service sets no NODE_OPTIONS or no `ExecStart=@NODE@ [flags] @LIBDIR@/remo-broker.js serve`");
  return [...options.trim().split(/\s+/), ...exec.trim().split(/\s+/).filter((a) => a !== "")];
}

/** One request on the admin socket; resolves the parsed reply. */
export function adminRequest(adminSocket, request) {
  return new Promise((resolve, reject) => {
    const sock = connect(adminSocket);
    let buf = "";
    sock.setEncoding("utf8");
    sock.on("connect", () => { sock.write(JSON.stringify(request) + "\n"); });
    sock.on("data", (d) => {
      buf += d;
      const i = buf.indexOf("\n");
      if (i >= 0) { sock.end(); resolve(JSON.parse(buf.slice(0, i))); }
    });
    sock.on("error", reject);
    sock.on("close", () => { if (!buf.includes("\n")) reject(new Error("admin socket closed without a reply")); });
  });
}

/** TOML bundle text for `secrets` (names are [A-Za-z0-9_], values JSON-escaped = TOML basic strings). */
export function bundleToml(secrets) {
  return Object.entries(secrets).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join("\n") + "\n";
}

/**
 * Starts `node <dist>/remo-broker.js serve` in `dir`; resolves once it prints that it is serving.
 * Returns { pid, adminSocket, runtimeDir, stateDir, auditFile, identityFile, recipient, output(),
 * admin(req), register(name, allowlist), push(secrets, project), stop() }.
 */
export async function startBrokerProcess({ dist, dir, extraArgs = [], nodeArgs = [], readyTimeoutMs = 30_000 }) {
  const brokerJs = join(dist, "remo-broker.js");
  const runtimeDir = join(dir, "run");
  const stateDir = join(dir, "state");
  const auditFile = join(dir, "log", "audit.jsonl");
  const identityFile = join(dir, "identity.key");
  mkdirSync(dir, { recursive: true });
  const recipient = execFileSync(process.execPath, [brokerJs, "keygen", "--out", identityFile], { encoding: "utf8", env: { ...process.env, SUDO_UID: undefined } }).trim().split("\n").find((l) => l.startsWith("age1"));
  if (!recipient) throw new Error("remo-broker keygen printed no age1 recipient");
  const child = spawn(process.execPath, [...nodeArgs, brokerJs, "serve", "--unsafe-paths", "--runtime-dir", runtimeDir, "--state-dir", stateDir, "--audit-file", auditFile, "--identity", identityFile, ...extraArgs], { env: { ...process.env, SUDO_UID: undefined }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { out += d; });
  const exited = new Promise((resolve) => child.on("exit", (code) => { resolve(code); }));
  const end = Date.now() + readyTimeoutMs;
  while (!out.includes("serving:")) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`broker did not start: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const adminSocket = join(runtimeDir, "admin.sock");
  const admin = (req) => adminRequest(adminSocket, req);
  return {
    pid: child.pid, adminSocket, runtimeDir, stateDir, auditFile, identityFile, recipient,
    output: () => out,
    admin,
    /** Writes a manifest for `name` under dir/projects and registers it; resolves the socket path. */
    async register(name, allowlist) {
      const projectPath = join(dir, "projects", name);
      mkdirSync(join(projectPath, ".devcontainer"), { recursive: true });
      writeFileSync(join(projectPath, ".devcontainer", "remo-broker.toml"), `schema_version = 1\n\n[project]\nname = "${name}"\n\n[allowlist]\nsecrets = ${JSON.stringify(allowlist)}\n`);
      const r = await admin({ op: "register", name, project_path: projectPath });
      if (r.ok !== true) throw new Error(`register failed: ${r.code}: ${r.message}`);
      return { projectPath, socketPath: r.socket_path };
    },
    /** Encrypts `secrets` to the broker's recipient and pushes them over the admin socket. */
    async push(secrets, project) {
      const e = new Encrypter();
      e.addRecipient(recipient);
      const ct = await e.encrypt(bundleToml(secrets));
      const r = await admin({ op: "push-creds", ciphertext_b64: Buffer.from(ct).toString("base64"), ...(project ? { project } : {}) });
      if (r.ok !== true) throw new Error(`push-creds failed: ${r.code}: ${r.message}`);
      return r;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => { child.kill("SIGKILL"); }, 10_000);
        await exited;
        clearTimeout(t);
      }
      return child.exitCode;
    },
  };
}
