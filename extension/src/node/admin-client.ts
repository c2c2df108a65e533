// The broker admin client: talks to remo-broker on a node over SSH, each operation one
// `remo-broker admin|audit …` exec. Secrets and ciphertext only ever travel on the exec's stdin,
// never on a command line. The audit tail and the broker install have files of their own.
import { parseAuditLines, selectAuditRecords, type AuditQuery, type AuditRecord, type StatusResponse } from "#protocol";
import { tailAuditCommand } from "./audit-tail.ts";
import { installBroker, type InstallFile } from "./broker-install.ts";
import { isNodeError, NodeError } from "./errors.ts";
import { execCommand, runCommand } from "./exec.ts";
import type { NodePins, NodeTarget } from "./node-target.ts";
import { checkRecipient } from "./recipient.ts";
import { auditArgs, brokerCommandLine, checkProjectName, classifyFailure, parseAdminResult, servedList, tooOld, type ExecResult } from "./remote-command.ts";
import { openSshSession, type SshDeps, type SshSession } from "./ssh-session.ts";

/** What talking to a node needs from the laptop. */
export interface NodeClientDeps extends SshDeps {
  readFile(path: string): Promise<Uint8Array>;
  env: Record<string, string | undefined>;
  log?(line: string): void;
  connectTimeoutMs?: number;
  /** How long one remote command may take; default 60 s. */
  execTimeoutMs?: number;
}

/** What {@link NodeClient.ensureRegistered} knows from earlier pushes. */
export interface RegisterOptions {
  /** The project path this laptop registered the project with on this node before, if it did. */
  registeredPath?: string;
}

/**
 * First contact with a node: connects without a pin and reads the host key fingerprint
 * and the broker's age recipient, for the user to confirm and pin.
 * @throws NodeError when the node cannot be reached or the broker is missing
 */
export async function probeNode(target: NodeTarget, deps: NodeClientDeps): Promise<{ hostKeySha256: string; recipient: string; jumpHostKeySha256?: string }> {
  const session = await openSshSession(target, undefined, deps);
  const client = new NodeClient(target, session, deps);
  try {
    const jump = session.jumpHostKeySha256 === undefined ? {} : { jumpHostKeySha256: session.jumpHostKeySha256 };
    return { hostKeySha256: session.hostKeySha256, recipient: await client.getPublicKey(), ...jump };
  } finally {
    client.close();
  }
}

/** An open SSH session to a node whose host key matched its pin. */
export class NodeClient {
  /** Wraps an open session; use {@link NodeClient.connect} (or {@link probeNode} for first contact). */
  constructor(readonly target: NodeTarget, private readonly session: SshSession, private readonly deps: NodeClientDeps) {}

  /**
   * Connects to a pinned node. The pins (the node's, and its jump host's) are checked during
   * key exchange, before authentication.
   * @throws NodeError not_pinned, host_key_changed, ssh_auth_failed, ssh_unreachable or timeout
   */
  static async connect(target: NodeTarget, pins: NodePins, deps: NodeClientDeps): Promise<NodeClient> {
    if (pins.hostKeySha256 === undefined) {
      throw new NodeError("not_pinned", `${target.name} has no pinned host key yet. Run "Remo: Add Node" (or "Remo: Re-pin Node") to check and pin it first.`);
    }
    const expected = { hostKeySha256: pins.hostKeySha256, ...(pins.jumpHostKeySha256 === undefined ? {} : { jumpHostKeySha256: pins.jumpHostKeySha256 }) };
    return new NodeClient(target, await openSshSession(target, expected, deps), deps);
  }

  /** The host key fingerprint this session saw. */
  get hostKeySha256(): string {
    return this.session.hostKeySha256;
  }

  /**
   * Replaces the node-wide bundle, or one project's, with this age ciphertext (sent on stdin).
   * With `expectRecipient`, the broker's key is checked first and a mismatch sends nothing:
   * the push command starts alongside the check (hiding one remote process start) but its
   * stdin is only written once the recipient matched; otherwise its channel is closed empty.
   * `onVerified` runs right after a successful check and is awaited before any byte is
   * written; when it throws, nothing is sent and its error is the push's.
   * @throws NodeError recipient_changed when the broker's key is not the expected one
   */
  async pushBundle(ciphertext: Uint8Array | (() => Promise<Uint8Array>), project?: string, opts: { expectRecipient?: string; onVerified?: () => void | Promise<void> } = {}): Promise<{ secretCount: number; loadedAt: string }> {
    const args = ["push-creds", ...(project === undefined ? [] : ["--project", checkProjectName(project)])];
    const produce = (): Promise<Uint8Array> => (ciphertext instanceof Uint8Array ? Promise.resolve(ciphertext) : ciphertext());
    if (opts.expectRecipient === undefined) {
      const reply = await this.admin(args, await produce());
      return { secretCount: Number(reply.secret_count), loadedAt: String(reply.loaded_at) };
    }
    const expected = opts.expectRecipient;
    let release: (data: Uint8Array | undefined) => void = () => undefined;
    const gate = new Promise<Uint8Array | undefined>((resolve) => { release = resolve; });
    const pushing = this.admin(args, gate);
    try {
      const recipient = await this.getPublicKey();
      if (recipient !== expected.trim()) {
        throw new NodeError("recipient_changed",
          `The broker key on ${this.target.name} changed: it reports ${recipient}, but ${expected} is pinned. Nothing was sent. `
          + "If the broker was reinstalled or its key rotated, check the new key on the node (remo-broker admin get-public-key) and run \"Remo: Re-pin Node\".");
      }
      await opts.onVerified?.();
      // Encrypted only now, after the check (a callback), or earlier to the same pinned recipient.
      release(await produce());
    } catch (e) {
      release(undefined);
      await pushing.catch(() => undefined);
      throw e;
    }
    const reply = await pushing;
    return { secretCount: Number(reply.secret_count), loadedAt: String(reply.loaded_at) };
  }

  /**
   * Registers a project with the names the user approved, and returns its socket path
   * (read from `status` when the project was registered before).
   * @throws NodeError project_conflict when the name is registered for another project
   */
  async register(name: string, projectPath: string, approved: readonly string[], opts: RegisterOptions = {}): Promise<{ socketPath: string; created: boolean; allowlist: string[] }> {
    const r = await this.ensureRegistered(name, projectPath, approved, opts);
    if (r.socketPath !== undefined) return { created: r.created, allowlist: r.allowlist, socketPath: r.socketPath };
    const project = (await this.status()).projects.find((p) => p.name === name);
    if (project === undefined) throw new NodeError("broker_error", `The broker on ${this.target.name} says ${name} exists but does not list it. Check the broker's log.`);
    return { created: r.created, allowlist: r.allowlist, socketPath: project.socket_path };
  }

  /**
   * Makes sure the node's project `name` is this project (registered from `projectPath`) and
   * serves at most `approved`: the laptop's approval travels with register/reload, so the
   * manifest file on the node can only narrow it. `project_exists` is the broker saying the
   * name is bound to another path or owner; it is only taken as "already ours" (and answered
   * with a reload) when this laptop registered the name from the same path before
   * (`opts.registeredPath`), because an older broker reports it for any second register.
   * @throws NodeError project_conflict when the name is someone else's, broker_error for any other refusal
   */
  async ensureRegistered(name: string, projectPath: string, approved: readonly string[], opts: RegisterOptions = {}): Promise<{ created: boolean; allowlist: string[]; socketPath?: string }> {
    checkProjectName(name);
    const allowlist = ["--allowlist", approved.join(",")];
    const ours = opts.registeredPath === projectPath;
    // When an existing registration would be taken as ours anyway, the reload goes alongside the
    // register (one of them is a no-op), saving a remote process start per push.
    const reloading = ours ? this.admin(["reload", "--name", name, ...allowlist]) : undefined;
    reloading?.catch(() => undefined);
    let refusal: NodeError;
    try {
      const reply = await this.admin(["register", "--name", name, "--project-path", projectPath, ...allowlist]);
      return { created: true, allowlist: servedList(reply, approved), socketPath: String(reply.socket_path) };
    } catch (e) {
      if (!isNodeError(e) || e.brokerCode !== "project_exists") throw tooOld(e, this.target.name);
      refusal = e;
    }
    if (reloading === undefined) throw await this.conflict(name, projectPath, refusal, opts.registeredPath);
    const reply = await reloading.catch((e: unknown) => { throw tooOld(e, this.target.name); });
    return { created: false, allowlist: servedList(reply, approved) };
  }

  /** Re-reads a registered project's manifest on the node, approving `approved` when given. */
  async reload(name: string, approved?: readonly string[]): Promise<{ allowlist: string[] }> {
    const reply = await this.admin(["reload", "--name", checkProjectName(name), ...(approved === undefined ? [] : ["--allowlist", approved.join(",")])]);
    return { allowlist: Array.isArray(reply.allowlist) ? reply.allowlist.map(String) : [] };
  }

  /** The broker's status. */
  async status(): Promise<StatusResponse> {
    return await this.admin(["status"]) as unknown as StatusResponse;
  }

  /** The broker's age recipient (`age1…`). */
  async getPublicKey(): Promise<string> {
    const reply = await this.admin(["get-public-key"]);
    const recipient = typeof reply.recipient === "string" ? reply.recipient : "";
    try {
      return checkRecipient(recipient);
    } catch (e) {
      throw new NodeError("broker_error", `The broker on ${this.target.name} answered get-public-key with something that is not an X25519 age recipient: ${(e as Error).message}`);
    }
  }

  /** Empties the node-wide bundle, or one project's, in memory and on disk. */
  async clear(project?: string): Promise<void> {
    await this.admin(["clear-creds", ...(project === undefined ? [] : ["--project", checkProjectName(project)])]);
  }

  /** Audit records from the node (`remo-broker audit --json`), filtered by every field of the query. */
  async audit(query: AuditQuery): Promise<AuditRecord[]> {
    const localOnly = query.secret !== undefined || query.event !== undefined || query.outcome !== undefined;
    const args = ["audit", "--json", ...auditArgs(query), ...(query.limit !== undefined && !localOnly ? ["--limit", String(query.limit)] : [])];
    const result = await this.run(brokerCommandLine(this.target, this.deps.env, args));
    const failure = classifyFailure(result, this.target.name);
    if (failure !== undefined) throw failure;
    if (result.code !== 0) throw new NodeError("broker_error", `remo-broker audit failed on ${this.target.name} (exit ${String(result.code)}): ${result.stderr.trim()}`);
    return selectAuditRecords(parseAuditLines(result.stdout), query);
  }

  /**
   * Follows the node's audit log (`remo-broker audit --tail --json`) until disposed. By
   * default only records written from now on (the node's clock, to the second) are
   * reported, so a view that already holds the history does not get it twice; pass
   * `since`, or `history: true` for everything.
   */
  tailAudit(onRecords: (r: AuditRecord[]) => void, opts: { since?: string; project?: string; history?: boolean; onError?: (e: Error) => void } = {}): { dispose(): void } {
    const base = brokerCommandLine(this.target, this.deps.env, ["audit", "--tail", "--json", ...auditArgs(opts)]);
    // Only new records by default: the broker follows from the file's end, so neither clock matters.
    const cmd = opts.since === undefined && opts.history !== true ? `${base} --new-only` : base;
    return tailAuditCommand(this.session.client, this.target.name, cmd, onRecords, opts.onError);
  }

  /**
   * Uploads files into `remoteDir` over SFTP and runs its install script with sudo;
   * returns the installer's output (see broker-install.ts).
   */
  async installBroker(files: InstallFile[], remoteDir: string, opts: { env?: Record<string, string> } = {}): Promise<string> {
    return await installBroker(this.session.client, this.target, this.deps.env, files, remoteDir, opts);
  }

  /** The error for a project name the node has bound to something else, with what the node lists under it. */
  private async conflict(name: string, projectPath: string, refusal: NodeError, registeredPath: string | undefined): Promise<NodeError> {
    const listed = await this.status().then((s) => s.projects.find((p) => p.name === name), () => undefined);
    const what = listed === undefined ? "" : ` (socket ${listed.socket_path}, ${String(listed.allowlist_size)} allowlisted name(s))`;
    const why = registeredPath === undefined
      ? "this laptop never registered it there, so it may be another checkout's or another user's"
      : `this laptop registered it from ${registeredPath}, not from ${projectPath}`;
    return new NodeError("project_conflict",
      `${this.target.name} already has a project named "${name}" registered${what}, and ${why}. Nothing was sent. `
      + `If it is this project, unregister it on the node (sudo remo-broker admin unregister --name ${name}) and push again; `
      + `if it is another project, give this one another name (its folder and [project] name). The broker said: ${refusal.message}`,
      { brokerCode: "project_exists" });
  }

  /**
   * Runs a command on the node that is not the broker's (an engine's `image inspect`): its
   * line is logged, so nothing secret may be on it. A non-zero exit is a result, not an error.
   * @throws NodeError ssh_unreachable when the session drops, timeout after `timeoutMs`
   */
  async shell(command: string, timeoutMs: number): Promise<ExecResult> {
    this.deps.log?.(`ssh ${this.target.name}: ${command}`);
    return await runCommand(this.session.client, this.target.name, command, timeoutMs);
  }

  /** Closes the SSH session. */
  close(): void {
    this.session.close();
  }

  private async admin(args: string[], stdin?: Uint8Array | Promise<Uint8Array | undefined>): Promise<Record<string, unknown>> {
    const op = args[0] ?? "";
    const cmd = brokerCommandLine(this.target, this.deps.env, ["admin", ...args]);
    this.deps.log?.(`ssh ${this.target.name}: remo-broker admin ${args.join(" ")}${stdin === undefined ? "" : " (data on stdin)"}`);
    const result = await this.exec(cmd, stdin);
    if (result === "withheld") throw new NodeError("broker_error", `remo-broker admin ${op} on ${this.target.name} was cancelled before any data was sent.`);
    return parseAdminResult(result, op, this.target.name);
  }

  private exec(command: string, stdin?: Uint8Array | Promise<Uint8Array | undefined>): Promise<ExecResult | "withheld"> {
    return execCommand(this.session.client, this.target.name, command, stdin, this.deps.execTimeoutMs ?? 60_000);
  }

  private run(command: string): Promise<ExecResult> {
    return runCommand(this.session.client, this.target.name, command, this.deps.execTimeoutMs ?? 60_000);
  }
}
