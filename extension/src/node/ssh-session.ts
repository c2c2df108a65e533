// Opens an ssh2 connection to a node: TCP with setNoDelay, host key pins checked during key exchange
// (before any authentication is sent) for the node and its ProxyJump hop, agent + identity files.
import { connect as tcpConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type * as Ssh2Module from "ssh2";
import type { AnyAuthMethod, Client, ConnectConfig, ParsedKey } from "ssh2";
import { effectiveUser, type NodeTarget } from "./node-target.ts";
import { expandSshPath, resolveSshHost } from "./ssh-config.ts";
import { NodeError } from "./errors.ts";
import { fingerprintSha256, sameFingerprint } from "./host-key.ts";

/** I/O the connection needs from the laptop; injected so tests and the extension share this code. */
export interface SshDeps {
  readFile(path: string): Promise<Uint8Array>;
  env: Record<string, string | undefined>;
  log?(line: string): void;
  connectTimeoutMs?: number;
}

/** An open, authenticated session and the host keys it saw (the node's, and the jump host's when there is one). */
export interface SshSession { client: Client; hostKeySha256: string; jumpHostKeySha256?: string; close(): void }

/** The pinned host keys a connection must see; undefined (first contact) accepts any and reports them. */
export interface ExpectedHostKeys {
  hostKeySha256: string;
  /** Required when the target has a ProxyJump: the hop is pinned like the node. */
  jumpHostKeySha256?: string;
}

/** The ssh2 module, loaded once per session and handed to each hop. */
type Ssh2 = typeof Ssh2Module;

const defaultIdentityFiles = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"];

/**
 * Connects and authenticates. With `expected`, a different key of the jump host or of the node
 * aborts that handshake in hostVerifier, so nothing (not even a user name signature) reaches the
 * wrong host; the node is only dialled through a jump host whose key matched.
 * @throws NodeError host_key_changed, not_pinned (a jump host with no pin), ssh_auth_failed, ssh_unreachable or timeout
 */
export async function openSshSession(target: NodeTarget, expected: ExpectedHostKeys | undefined, deps: SshDeps): Promise<SshSession> {
  const expectedHostKey = expected?.hostKeySha256;
  if (expected !== undefined && target.proxyJump !== undefined && expected.jumpHostKeySha256 === undefined) {
    throw new NodeError("not_pinned", `${target.name} is reached through the jump host ${target.proxyJump}, whose host key is not pinned yet. Run "Remo: Re-pin Node" to check and pin it.`);
  }
  const ssh2 = await import("ssh2");
  const timeoutMs = deps.connectTimeoutMs ?? 20_000;
  const where = `${target.host}:${target.port ?? 22}`;
  const jumps: Client[] = [];
  try {
    let sock: Duplex;
    let jumpHostKeySha256: string | undefined;
    if (target.proxyJump === undefined) {
      sock = await openTcp(target.host, target.port ?? 22, timeoutMs, target.name);
    } else {
      const jump = await openJump(target, deps, timeoutMs, ssh2, expected?.jumpHostKeySha256);
      jumps.push(jump.client);
      jumpHostKeySha256 = jump.hostKeySha256;
      sock = await forwardVia(jump.client, target.host, target.port ?? 22, target.name);
    }
    const { client, hostKeySha256 } = await pinnedHandshake(new ssh2.Client(), sock, target, deps, timeoutMs, expectedHostKey, ssh2.utils.parseKey,
      (methods) => { deps.log?.(`ssh: connecting to ${where} as ${effectiveUser(target, deps.env)} (${methods.map((m) => m.type).join(", ") || "no key"})`); });
    return {
      client,
      hostKeySha256,
      ...(jumpHostKeySha256 === undefined ? {} : { jumpHostKeySha256 }),
      close: () => {
        client.end();
        for (const j of jumps) j.end();
      },
    };
  } catch (e) {
    for (const j of jumps) j.end();
    throw e;
  }
}

/** A TCP socket with Nagle off: ssh2 on a default socket stalls ~40 ms per exchange on delayed ACKs. */
function openTcp(host: string, port: number, timeoutMs: number, nodeName: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host, port });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new NodeError("timeout", `No answer from ${nodeName} (${host}:${port}) within ${Math.round(timeoutMs / 1000)} s. Check the host and port, and that the node is up.`));
    }, timeoutMs);
    sock.once("connect", () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new NodeError("ssh_unreachable", `Cannot reach ${nodeName} at ${host}:${port} (${e.code ?? e.message}). Check the host name and port, and that sshd runs there.`, { cause: e }));
    });
  });
}

function handshake(client: Client, config: ConnectConfig, target: NodeTarget, seenKey: () => string | undefined, expected: string | undefined, authNotes: string[]): Promise<Client> {
  return new Promise((resolve, reject) => {
    const fail = (e: NodeError): void => {
      client.removeAllListeners("ready");
      client.end();
      reject(e);
    };
    client.once("ready", () => {
      client.removeAllListeners("error");
      client.on("error", () => undefined); // later transport errors surface through the pending exec
      resolve(client);
    });
    client.once("error", (e: Error & { level?: string }) => {
      const key = seenKey();
      if (expected !== undefined && key !== undefined && !sameFingerprint(key, expected)) {
        fail(new NodeError("host_key_changed",
          `The host key of ${target.name} changed: it presented ${key}, but ${expected} is pinned. Nothing was sent. `
          + `If the node was reinstalled, verify the new key on the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and run "Remo: Re-pin Node"; otherwise someone may be intercepting the connection.`));
        return;
      }
      if (e.level === "client-authentication") {
        fail(new NodeError("ssh_auth_failed", `${target.name} refused every key for user ${String(config.username)}. Load your key into ssh-agent (ssh-add), or set IdentityFile for this host in ~/.ssh/config.${authNotes.length > 0 ? ` ${authNotes.join(" ")}` : ""}`, { cause: e }));
        return;
      }
      if (e.level === "client-timeout" || /timed out/i.test(e.message)) {
        fail(new NodeError("timeout", `The SSH handshake with ${target.name} did not finish in time. Check that the node is reachable and sshd is healthy.`, { cause: e }));
        return;
      }
      fail(new NodeError("ssh_unreachable", `SSH to ${target.name} failed: ${e.message}. Check the host, port and that sshd runs there.`, { cause: e }));
    });
    client.connect(config);
  });
}

async function authMethods(target: NodeTarget, deps: SshDeps, parseKey: (data: Buffer) => ParsedKey | Error): Promise<{ methods: AnyAuthMethod[]; notes: string[] }> {
  const username = effectiveUser(target, deps.env);
  const methods: AnyAuthMethod[] = [];
  const notes: string[] = [];
  const agent = deps.env.SSH_AUTH_SOCK;
  if (agent !== undefined && agent !== "") methods.push({ type: "agent", username, agent });
  const home = deps.env.HOME ?? "";
  const ctx = { home, localUser: deps.env.USER ?? "", host: target.host, remoteUser: username };
  const configured = [...new Set([...(target.identityFile === undefined ? [] : [target.identityFile]), ...(target.identityFiles ?? [])])];
  // Like OpenSSH: the default key names only when no IdentityFile is configured.
  const files = configured.length === 0 ? defaultIdentityFiles : configured;
  for (const file of files) {
    const path = expandSshPath(file, ctx);
    let data: Uint8Array;
    try {
      data = await deps.readFile(path);
    } catch {
      if (configured.length > 0) notes.push(`The identity file ${path} could not be read.`);
      continue;
    }
    const parsed = parseKey(Buffer.from(data));
    if (parsed instanceof Error) {
      notes.push(/passphrase|encrypted/i.test(parsed.message)
        ? `${path} is protected by a passphrase: add it to ssh-agent with "ssh-add ${path}".`
        : `${path} is not a private key ssh2 can read (${parsed.message}).`);
      continue;
    }
    methods.push({ type: "publickey", username, key: parsed });
  }
  return { methods, notes };
}

/**
 * Connects to the ProxyJump hop. Its key is pinned like the node's: an unchecked hop would get
 * the user's agent signature and see which nodes the laptop reaches.
 */
async function openJump(target: NodeTarget, deps: SshDeps, timeoutMs: number, ssh2: Ssh2, expectedHostKey: string | undefined): Promise<{ client: Client; hostKeySha256: string }> {
  const spec = target.proxyJump ?? "";
  if (spec.includes(",")) {
    throw new NodeError("ssh_unreachable", `ProxyJump chains (${spec}) are not supported. Use a single jump host, or connect through an SSH tunnel and point the node at it.`);
  }
  const m = /^(?:([^@]+)@)?([^:@]+)(?::(\d+))?$/.exec(spec);
  if (m?.[2] === undefined) throw new NodeError("ssh_unreachable", `ProxyJump "${spec}" is not [user@]host[:port].`);
  let configText: string | undefined;
  try {
    configText = Buffer.from(await deps.readFile(`${deps.env.HOME ?? ""}/.ssh/config`)).toString("utf8");
  } catch {
    configText = undefined;
  }
  const resolved = resolveSshHost(m[2], configText);
  const user = m[1] ?? resolved.user;
  const jumpTarget: NodeTarget = {
    name: `${target.name} (jump host ${m[2]})`,
    host: resolved.host,
    port: m[3] === undefined ? resolved.port ?? 22 : Number(m[3]),
    projectPath: target.projectPath,
    ...(user === undefined ? {} : { user }),
    identityFiles: resolved.identityFiles,
  };
  const sock = await openTcp(jumpTarget.host, jumpTarget.port ?? 22, timeoutMs, jumpTarget.name);
  return await pinnedHandshake(new ssh2.Client(), sock, jumpTarget, deps, timeoutMs, expectedHostKey, ssh2.utils.parseKey);
}

/**
 * Authenticates `client` to `target` over `sock`, recording the host key it was offered; with
 * `expectedHostKey` a different key aborts the handshake in hostVerifier, before any auth is sent.
 * The node and a jump host are pinned the same way, through this one function.
 */
async function pinnedHandshake(client: Client, sock: Duplex, target: NodeTarget, deps: SshDeps, timeoutMs: number, expectedHostKey: string | undefined,
  parseKey: (data: Buffer) => ParsedKey | Error, beforeConnect?: (methods: readonly AnyAuthMethod[]) => void): Promise<{ client: Client; hostKeySha256: string }> {
  const auth = await authMethods(target, deps, parseKey);
  beforeConnect?.(auth.methods);
  const seen: { key?: string } = {};
  const connected = await handshake(client, {
    sock,
    username: effectiveUser(target, deps.env),
    readyTimeout: timeoutMs,
    authHandler: auth.methods,
    hostVerifier: (key: Buffer) => {
      seen.key = fingerprintSha256(key);
      return expectedHostKey === undefined || sameFingerprint(seen.key, expectedHostKey);
    },
  }, target, () => seen.key, expectedHostKey, auth.notes);
  return { client: connected, hostKeySha256: seen.key ?? "" };
}

function forwardVia(jump: Client, host: string, port: number, nodeName: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jump.forwardOut("127.0.0.1", 0, host, port, (err, stream) => {
      if (err) reject(new NodeError("ssh_unreachable", `The jump host could not reach ${nodeName} at ${host}:${port} (${err.message}).`, { cause: err }));
      else resolve(stream);
    });
  });
}
