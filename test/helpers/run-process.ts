import { spawn } from "node:child_process";

/** How a process run by {@link runProcess} ended, with everything it printed. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link runProcess}. */
export interface RunProcessOptions {
  env?: NodeJS.ProcessEnv;
  input?: string | Uint8Array;
  uid?: number;
  gid?: number;
  cwd?: string;
  /** Killed with SIGKILL after this long (default 30 s), so a hung child fails the test instead of the run. */
  timeoutMs?: number;
}

/** Runs a process to completion with optional stdin, capturing stdout and stderr; never rejects on a non-zero exit. */
export function runProcess(cmd: string, args: string[], opts: RunProcessOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ["pipe", "pipe", "pipe"],
      ...(opts.env === undefined ? {} : { env: opts.env }),
      ...(opts.uid === undefined ? {} : { uid: opts.uid }),
      ...(opts.gid === undefined ? {} : { gid: opts.gid }),
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString("utf8"); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString("utf8"); });
    const timer = setTimeout(() => { child.kill("SIGKILL"); }, opts.timeoutMs ?? 30_000);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
    // The child may exit before reading its stdin (a usage error): that is its answer, not ours.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}
