import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Encrypter, identityToRecipient } from "age-encryption";
import { readableCopy } from "./readable-copy.ts";
import { runProcess } from "./run-process.ts";
import { adminSocketPath, encodeBundle, NdjsonDecoder, type AdminRequest } from "#protocol";

/** The repository root and the built broker (global-setup builds dist/ once before integration tests). */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const brokerBin = join(repoRoot, "dist", "remo-broker.js");

/** A running `remo-broker serve` in its own directory, driven over its real sockets. */
export interface BrokerHandle {
  dir: string;
  runtimeDir: string;
  stateDir: string;
  auditFile: string;
  identityFile: string;
  /** The age1… recipient of the identity. */
  recipient: string;
  adminSocket: string;
  pid: number;
  /** Captured stdout+stderr of every run so far (for sentinel scans). */
  output(): string;
  /** One admin request over the real admin socket. */
  admin(req: AdminRequest): Promise<Record<string, unknown>>;
  /** Encrypts the secrets to the broker (age-encryption) and pushes them (node-wide, or for `project`). */
  pushSecrets(secrets: Record<string, string>, project?: string): Promise<Record<string, unknown>>;
  /** Writes <dir>/projects/<name>/.devcontainer/remo-broker.toml, then registers it; throws when register fails. */
  registerProject(name: string, opts?: RegisterOptions): Promise<{ projectPath: string; socketPath: string }>;
  /** SIGTERM; resolves the exit code. */
  stop(): Promise<number>;
  /** SIGKILL; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** Starts again on the same directories and identity. */
  restart(): Promise<void>;
}

/** Options for {@link BrokerHandle.registerProject}. */
export interface RegisterOptions {
  allowlist?: string[];
  peerUids?: number[];
  socketOwner?: string;
  cache?: { ttl_seconds?: number; max_entries?: number };
}

/** Options for {@link startBroker}. */
export interface StartOptions {
  /** Reuse a directory (keeps its key, state and audit); default a fresh temp dir. */
  dir?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra `serve` flags, e.g. ["--rate-limit", "5"]. */
  extraArgs?: string[];
  /** Do not pass --identity: the broker then finds its key itself ($CREDENTIALS_DIRECTORY, then <state-dir>/secrets-key). */
  noIdentityFlag?: boolean;
  /** Run this copy of remo-broker.js instead of dist/ (e.g. one without peercred.node beside it). */
  bin?: string;
  /** Node flags before the script, e.g. the systemd unit's (`unitNodeArgs`). */
  nodeArgs?: string[];
}

/** The result of running the CLI once. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/remo-broker.js <args>` with optional stdin; resolves when it exits. */
export function runCli(args: string[], opts: { input?: string | Uint8Array; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  // Another UID may not be able to read the checkout (a 0700 parent): run a readable copy then.
  const bin = opts.uid === undefined || opts.uid === process.getuid?.() ? brokerBin : readableCopy(brokerBin, join(dirname(brokerBin), "peercred.node"));
  // SUDO_UID dropped unless a test sets it: under `sudo npm test` the developer is root already,
  // and keygen and serve --unsafe-paths refuse sudo callers.
  return runProcess(process.execPath, [bin, ...args], { ...opts, env: { ...process.env, SUDO_UID: undefined, ...opts.env } });
}

/** Sends `lines` on one connection (pipelined) and resolves every reply, in order; stops early if the broker closes. */
export function requestLines(socketPath: string, lines: string[], timeoutMs = 30_000): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const replies: Record<string, unknown>[] = [];
    const decoder = new NdjsonDecoder();
    const socket = connect(socketPath);
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => { done(new Error(`no complete answer from ${socketPath} within ${timeoutMs} ms (got ${replies.length}/${lines.length})`)); }, timeoutMs);
    socket.on("connect", () => { socket.write(lines.map((l) => `${l}\n`).join("")); });
    socket.on("data", (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === "error") {
          done(new Error(`unreadable reply: ${frame.message}`));
          return;
        }
        replies.push(JSON.parse(frame.text) as Record<string, unknown>);
        if (replies.length === lines.length) {
          done();
          return;
        }
      }
    });
    socket.on("end", () => { done(); });
    socket.on("error", (e) => { done(e); });
  });
}

/** Encrypts bundle text to a recipient with age-encryption (what the extension does on the laptop). */
export async function encryptBundle(recipient: string, secrets: Record<string, string>): Promise<Uint8Array> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return e.encrypt(encodeBundle(secrets));
}

/** Writes a manifest for `name` under `root/<name>` and returns the project folder. */
export function writeProject(root: string, name: string, opts: RegisterOptions = {}): string {
  const projectPath = join(root, name);
  mkdirSync(join(projectPath, ".devcontainer"), { recursive: true });
  const lines = [
    "schema_version = 1",
    "",
    "[project]",
    `name = ${JSON.stringify(name)}`,
    "",
    "[allowlist]",
    `secrets = [${(opts.allowlist ?? []).map((s) => JSON.stringify(s)).join(", ")}]`,
  ];
  if (opts.cache !== undefined) {
    lines.push("", "[cache]");
    if (opts.cache.ttl_seconds !== undefined) lines.push(`ttl_seconds = ${opts.cache.ttl_seconds}`);
    if (opts.cache.max_entries !== undefined) lines.push(`max_entries = ${opts.cache.max_entries}`);
  }
  writeFileSync(join(projectPath, ".devcontainer", "remo-broker.toml"), lines.join("\n") + "\n");
  return projectPath;
}

/** Starts `remo-broker serve` on a temp (or given) directory, creating its key with `remo-broker keygen` if needed. */
export async function startBroker(opts: StartOptions = {}): Promise<BrokerHandle> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "remo-broker-"));
  // Traversable, so a client running as another UID (peer tests) can reach the sockets.
  chmodSync(dir, 0o755);
  const runtimeDir = join(dir, "run");
  const stateDir = join(dir, "state");
  // A flag in extraArgs overrides the helper's default for it (e.g. --audit-file).
  const override = (name: string): string | undefined => {
    const i = opts.extraArgs?.indexOf(`--${name}`) ?? -1;
    return i === -1 ? undefined : opts.extraArgs?.[i + 1];
  };
  const auditFile = override("audit-file") ?? join(dir, "log", "audit.jsonl");
  const identityFile = join(dir, "secrets-key");
  if (!existsSync(identityFile)) {
    const r = await runCli(["keygen", "--out", identityFile]);
    if (r.code !== 0) throw new Error(`remo-broker keygen failed (${String(r.code)}): ${r.stderr}`);
  }
  const identityLine = readFileSync(identityFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"));
  if (identityLine === undefined) throw new Error(`${identityFile} holds no identity`);
  const recipient = await identityToRecipient(identityLine);
  const adminSocket = adminSocketPath(runtimeDir);
  let output = "";
  let child: ChildProcess;
  let exited: Promise<number>;

  const launch = async (): Promise<void> => {
    const defaults: [string, string][] = [["runtime-dir", runtimeDir], ["state-dir", stateDir], ["audit-file", auditFile], ...(opts.noIdentityFlag === true ? [] : [["identity", identityFile] as [string, string]])];
    const args = [opts.bin ?? brokerBin, "serve", "--unsafe-paths", ...defaults.filter(([f]) => override(f) === undefined).flatMap(([f, v]) => [`--${f}`, v]), ...(opts.extraArgs ?? [])];
    // SUDO_UID dropped: `sudo npm test` is the developer's own root, and serve refuses --unsafe-paths under sudo.
    const c = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...args], { env: { ...process.env, SUDO_UID: undefined, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    exited = new Promise((resolve) => { c.on("exit", (code, signal) => { resolve(code ?? (signal === "SIGKILL" ? 137 : 128)); }); });
    let seen = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`remo-broker did not become ready within 30 s; output:\n${seen}`)); }, 30_000);
      const onData = (d: Buffer): void => {
        const text = d.toString("utf8");
        output += text;
        seen += text;
        if (seen.includes("remo-broker info: serving:")) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout.on("data", onData);
      c.stderr.on("data", onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`remo-broker exited with ${code} before it was ready; output:\n${seen}`));
      });
    });
  };
  await launch();

  const handle: BrokerHandle = {
    dir, runtimeDir, stateDir, auditFile, identityFile, recipient, adminSocket,
    get pid() { return child.pid ?? -1; },
    output: () => output,
    admin: async (req) => {
      const [reply] = await requestLines(adminSocket, [JSON.stringify(req)]);
      if (reply === undefined) throw new Error(`the broker closed the admin connection without answering ${req.op}`);
      return reply;
    },
    pushSecrets: async (secrets, project) => {
      const ciphertext = Buffer.from(await encryptBundle(recipient, secrets)).toString("base64");
      return handle.admin(project === undefined ? { op: "push-creds", ciphertext_b64: ciphertext } : { op: "push-creds", ciphertext_b64: ciphertext, project });
    },
    registerProject: async (name, ropts = {}) => {
      const projectPath = writeProject(join(dir, "projects"), name, ropts);
      const req: AdminRequest = { op: "register", name, project_path: projectPath };
      if (ropts.peerUids !== undefined) req.peer_uids = ropts.peerUids;
      if (ropts.socketOwner !== undefined) req.socket_owner = ropts.socketOwner;
      const reply = await handle.admin(req);
      if (reply.ok !== true) throw new Error(`register ${name} failed: ${JSON.stringify(reply)}`);
      return { projectPath, socketPath: String(reply.socket_path) };
    },
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    restart: async () => {
      await launch();
    },
  };
  return handle;
}

/** A held connection to a broker socket: send raw bytes or lines, await replies one by one. */
export interface LineConnection {
  /** Writes raw bytes (or text) as given: no newline is added. */
  write(data: string | Uint8Array): void;
  /** Writes one JSON request line. */
  send(request: object): void;
  /** The next reply; rejects if the connection closes first or after `timeoutMs`. */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the broker has closed the connection (its read side saw end or close). */
  closed: Promise<void>;
  /** Half-closes our side (the broker sees end of stream). */
  end(): void;
  /** Stops / restarts reading replies (the broker's writes then back up). */
  pause(): void;
  resume(): void;
  destroy(): void;
}

/** Connects to a broker socket and returns a {@link LineConnection} once connected. */
export function connectLines(socketPath: string): Promise<LineConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const decoder = new NdjsonDecoder();
    const replies: Record<string, unknown>[] = [];
    const waiters: { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
    let isClosed = false;
    let markClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => { markClosed = r; });
    const onClose = (): void => {
      if (isClosed) return;
      isClosed = true;
      markClosed();
      for (const w of waiters.splice(0)) w.reject(new Error("the broker closed the connection"));
    };
    socket.on("data", (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === "error") continue;
        const reply = JSON.parse(frame.text) as Record<string, unknown>;
        const w = waiters.shift();
        if (w) w.resolve(reply);
        else replies.push(reply);
      }
    });
    socket.on("end", onClose);
    socket.on("close", onClose);
    socket.on("error", (e) => {
      if (!isClosed && waiters.length === 0 && replies.length === 0) reject(e);
      onClose();
    });
    socket.on("connect", () => {
      resolve({
        write: (data) => { socket.write(data); },
        send: (request) => { socket.write(JSON.stringify(request) + "\n"); },
        next: (timeoutMs = 30_000) => {
          const ready = replies.shift();
          if (ready !== undefined) return Promise.resolve(ready);
          if (isClosed) return Promise.reject(new Error("the broker closed the connection"));
          return new Promise((res, rej) => {
            const timer = setTimeout(() => { rej(new Error(`no reply within ${timeoutMs} ms`)); }, timeoutMs);
            waiters.push({
              resolve: (r) => { clearTimeout(timer); res(r); },
              reject: (e) => { clearTimeout(timer); rej(e); },
            });
          });
        },
        closed,
        end: () => { socket.end(); },
        pause: () => { socket.pause(); },
        resume: () => { socket.resume(); },
        destroy: () => { socket.destroy(); },
      });
    });
  });
}

/** Reads the audit file's records (the broker writes them off the request path: poll until `until` holds). */
export async function readAudit(file: string, until?: (records: Record<string, unknown>[]) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    const records = text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
    if (until === undefined || until(records)) return records;
    if (Date.now() > deadline) throw new Error(`audit condition not met within ${timeoutMs} ms; records:\n${text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
