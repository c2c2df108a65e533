// Runs a program the way execFile does (no shell, argv as given), with a timeout and bounded
// output: used for configured secret sources and for asking the container engine about an image.

/**
 * How a program is run: execFile semantics (no shell), stdout as text. A failure rejects
 * with an execFile-style error (`code`, `killed`, `signal`, `stderr`).
 */
export type RunCommand = (program: string, args: string[], opts: { timeoutMs: number }) => Promise<{ stdout: string }>;

/** What {@link createExecFileRunner} needs. */
export interface RunnerOptions {
  /** What the program sees (VS Code's environment by default: the CLIs' login state lives there). */
  env?: NodeJS.ProcessEnv;
  /** Past this much stdout the program is killed and the run fails with code ERR_CHILD_PROCESS_STDIO_MAXBUFFER. */
  maxOutputBytes: number;
}

/**
 * The real runner: execFile semantics (no shell, argv as given) with a timeout and bounded
 * output. The program gets its own process group and no stdin: a tool that wants to prompt
 * fails at once instead of waiting, and a timeout kills the whole group, so a helper it
 * started (pass runs gpg) cannot hold the pipe open past the deadline.
 */
export function createExecFileRunner({ env, maxOutputBytes }: RunnerOptions): RunCommand {
  return async (program, args, opts) => {
    const { spawn } = await import("node:child_process");
    return await new Promise((resolve, reject) => {
      const child = spawn(program, args, { shell: false, detached: true, windowsHide: true, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
      const out: Buffer[] = [];
      let outBytes = 0;
      let stderr = "";
      let failure: Record<string, unknown> | undefined;
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      };
      const timer = setTimeout(() => { failure ??= { killed: true }; killGroup(); }, opts.timeoutMs);
      child.stdout.on("data", (d: Buffer) => {
        outBytes += d.length;
        if (outBytes <= maxOutputBytes) out.push(d);
        else if (failure === undefined) { failure = { code: "ERR_CHILD_PROCESS_STDIO_MAXBUFFER" }; killGroup(); }
      });
      child.stderr.on("data", (d: Buffer) => { if (stderr.length < 8192) stderr += d.toString("utf8"); });
      child.once("error", (e) => { clearTimeout(timer); reject(e); });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        const stdout = Buffer.concat(out).toString("utf8");
        if (failure === undefined && code === 0) { resolve({ stdout }); return; }
        // The message names only the program: output may hold the value.
        reject(Object.assign(new Error(`${program} failed`), { code, signal, stderr, stdout, ...failure }));
      });
    });
  };
}
