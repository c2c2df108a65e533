// Builds the remote broker command lines and maps their failures. Nothing secret is ever part of a command line.
import { isErrorResponse, projectNamePattern, quoteShellWord } from "#protocol";
import { usesSudo, type NodeTarget } from "./node-target.ts";
import { isNodeError, NodeError } from "./errors.ts";

/**
 * The command line for `remo-broker <args…>` on the node: the configured broker command
 * (words from the user's settings), prefixed with `sudo -n --` when not root. Under sudo the
 * admin and audit commands go through `remo-broker-admin`, the wrapper install.sh puts there for
 * sudoers (the full `remo-broker` must not be allowed through sudo: serve and keygen write as root).
 */
export function brokerCommandLine(target: NodeTarget, env: Record<string, string | undefined>, args: readonly string[]): string {
  const sudo = usesSudo(target, env);
  const viaWrapper = sudo && target.brokerCommand === undefined && (args[0] === "admin" || args[0] === "audit");
  const broker = viaWrapper ? ["remo-broker-admin"] : (target.brokerCommand ?? "remo-broker").trim().split(/\s+/).filter((w) => w !== "");
  const words = [...(sudo ? ["sudo", "-n", "--"] : []), ...broker, ...args];
  // The remote login shell parses the exec command: plain words stay bare so logged lines read as typed.
  return words.map(quoteShellWord).join(" ");
}

/** Checks a project name before it goes on a command line. */
export function checkProjectName(name: string): string {
  if (!projectNamePattern.test(name)) {
    throw new NodeError("broker_error", `"${name}" is not a valid project name (1–64 lowercase letters, digits, '_' or '-'). Fix [project] name in the manifest.`, { brokerCode: "invalid_payload" });
  }
  return name;
}

/** What one remote command returned. */
export interface ExecResult { code: number | null; signal: string | undefined; stdout: string; stderr: string }

/**
 * Turns a finished `remo-broker admin …` run into its JSON reply, or the NodeError that
 * says what to do (sudo, missing broker, broker refused, broker down).
 */
export function parseAdminResult(result: ExecResult, op: string, nodeName: string): Record<string, unknown> {
  const failure = classifyFailure(result, nodeName);
  if (failure !== undefined) throw failure;
  let reply: unknown;
  try {
    reply = JSON.parse(result.stdout);
  } catch {
    reply = undefined;
  }
  if (typeof reply === "object" && reply !== null && !Array.isArray(reply)) {
    if (isErrorResponse(reply)) {
      throw new NodeError("broker_error", `The broker on ${nodeName} refused ${op}: ${reply.message}`, { brokerCode: reply.code });
    }
    if (result.code === 0) return reply as Record<string, unknown>;
  }
  if (result.code === 3) {
    throw new NodeError("broker_error", `The broker is not running on ${nodeName}. Start it there (sudo systemctl start remo-broker) or run "Remo: Install Broker on Node". ${tail(result.stderr)}`.trim());
  }
  if (result.code === 4) {
    throw new NodeError("sudo_required", `Permission denied on ${nodeName}: the broker's admin socket is root-only. Log in as root, or allow this user passwordless sudo for /usr/local/bin/remo-broker-admin only. ${tail(result.stderr)}`.trim());
  }
  if (result.code === 2) {
    // A usage error prints its reason on the first line and the whole usage text after it.
    throw new NodeError("broker_error", `remo-broker admin ${op} failed on ${nodeName} (exit 2): ${result.stderr.trim().split("\n")[0] ?? ""}`);
  }
  throw new NodeError("broker_error", `remo-broker admin ${op} failed on ${nodeName} (exit ${String(result.code ?? result.signal)}). ${tail(result.stderr) || "It printed nothing."}`);
}

/** Failures that are about reaching the broker at all, before its answer means anything. */
export function classifyFailure(result: ExecResult, nodeName: string): NodeError | undefined {
  if (result.code === 0) return undefined;
  const err = result.stderr;
  if (/sudo: .*(password is required|terminal is required|not in the sudoers|is not allowed to|no tty present)/i.test(err)) {
    return new NodeError("sudo_required", `sudo on ${nodeName} needs a password, and Remo never types one. Log in as root (User root in the node's SSH settings), or allow passwordless sudo for the broker's admin wrapper only (install.sh installs it): a sudoers line "<user> ALL=(root) NOPASSWD: /usr/local/bin/remo-broker-admin". Do not allow /usr/local/bin/remo-broker itself: its serve and keygen commands write files as root wherever they are told to.`);
  }
  if (/\bsudo: (command )?not found/i.test(err)) {
    return new NodeError("sudo_required", `sudo is not installed on ${nodeName}. Log in as root, or install sudo there.`);
  }
  if (result.code === 127 || /remo-broker[^\n]*(command not found|No such file or directory|not found)/i.test(err)) {
    return new NodeError("broker_missing", `remo-broker is not installed on ${nodeName} (or not on the PATH of the SSH session). Run "Remo: Install Broker on Node", or set the node's broker command to its full path.`);
  }
  return undefined;
}

/** What the project serves now, as the broker reports it; an older broker does not say, so the approved list. */
export function servedList(reply: Record<string, unknown>, approved: readonly string[]): string[] {
  return Array.isArray(reply.allowlist) ? reply.allowlist.map(String) : [...approved];
}

/** A broker from before approved allowlists rejects the flag as a usage error: say how to fix that. */
export function tooOld(e: unknown, nodeName: string): unknown {
  if (isNodeError(e) && e.brokerCode === undefined && e.message.includes("unknown option --allowlist")) {
    return new NodeError("broker_error", `The broker on ${nodeName} is too old to take the allowlist you approved, so nothing was sent. Update it with "Remo: Install Broker on Node". (${e.message})`, { cause: e });
  }
  return e;
}

function tail(stderr: string): string {
  const t = stderr.trim();
  return t.length > 400 ? `…${t.slice(-400)}` : t;
}

/** The `--since`/`--project` arguments of `remo-broker audit` for a query. */
export function auditArgs(q: { since?: string; project?: string }): string[] {
  return [...(q.since === undefined ? [] : ["--since", q.since]), ...(q.project === undefined ? [] : ["--project", checkProjectName(q.project)])];
}
