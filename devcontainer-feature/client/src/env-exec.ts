import type { spawn as SpawnFn } from "node:child_process";
import type { CallOptions } from "./broker-calls.ts";
import { clientError } from "./exit-codes.ts";
import { renderEnv, type EnvFormat } from "./env-format.ts";
import { writeOut, type Io, type Output } from "./io.ts";
import { SecretMasker } from "./mask.ts";
import { fetchSecrets, type FetchResult, type SecretValue } from "./secrets.ts";

/** A name sh accepts as a variable (a secret name may start with a digit; sh's may not). */
const shellNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a secret cannot become an environment variable, or null when it can. */
export function envUnfitness(value: SecretValue, forShell: boolean): string | null {
  if (forShell && !shellNamePattern.test(value.name)) return "has a name sh cannot use as a variable (it starts with a digit)";
  if (value.text === undefined) return "is not UTF-8 text, so it cannot be an environment variable";
  if (value.text.includes("\0")) return "contains a NUL byte, so it cannot be an environment variable";
  return null;
}

export { renderExports } from "./env-format.ts";

/**
 * Keeps the secrets that can be environment variables. Explicitly named secrets
 * that cannot are an error; for "all", they are reported on stderr by name.
 */
async function usable(io: Io, result: FetchResult, explicit: boolean, forShell: boolean): Promise<SecretValue[]> {
  const kept: SecretValue[] = [];
  const notes: string[] = [];
  for (const v of result.values) {
    const why = envUnfitness(v, forShell);
    if (why === null) kept.push(v);
    else if (explicit) throw clientError("unusable_value", { name: v.name, detail: why });
    else notes.push(`remo-secrets: skipped ${v.name}: it ${why}\n`);
  }
  if (result.missing.length > 0) {
    const names = result.missing.map((m) => m.name).join(", ");
    notes.push(`remo-secrets: ${result.missing.length} of ${result.asked.length} secrets unavailable (${names}): ${result.missing[0]?.error.message ?? ""}\n`);
  }
  if (notes.length > 0) await writeOut(io.stderr, notes.join(""));
  return kept;
}

/**
 * `env [--format shell|dotenv|json] [--skip-unavailable] [NAMES…]`: prints `export` lines for
 * `eval "$(remo-secrets env)"`, dotenv lines for a pipe or `<(…)`, or a JSON object; never a
 * file. `--skip-unavailable` treats named secrets like the whole-allowlist case (report,
 * don't fail), which is what a shell start-up hook wants.
 */
export async function runEnv(call: CallOptions, io: Io, names: readonly string[], format: EnvFormat, skipUnavailable = false): Promise<number> {
  const result = await fetchSecrets(call, names, skipUnavailable);
  const values = await usable(io, result, names.length > 0 && !skipUnavailable, format !== "json");
  await writeOut(io.stdout, renderEnv(values, format));
  return 0;
}

/** Options of `exec`. */
export interface ExecOptions {
  only: readonly string[];
  mask: boolean;
  command: readonly string[];
}

/**
 * `exec [--only NAMES] [--mask] -- CMD…`: runs CMD with the secrets added to its
 * environment only (not ours, not argv, not a file) and exits with its status.
 * With `--mask`, CMD's stdout and stderr pass through {@link SecretMasker}.
 */
export async function runExec(call: CallOptions, io: Io, options: ExecOptions): Promise<number> {
  const [file, ...args] = options.command;
  if (file === undefined) throw clientError("usage", { detail: "exec needs a command after --" });
  const result = await fetchSecrets(call, options.only);
  const values = await usable(io, result, options.only.length > 0, false);
  const env = { ...io.env, ...Object.fromEntries(values.map((v) => [v.name, v.text ?? ""])) };
  // Loaded here, not at the top: child_process and os cost every other command start-up time.
  const [{ spawn }, { constants }] = await Promise.all([import("node:child_process"), import("node:os")]);
  return runChild({ spawn, signals: constants.signals }, io, file, args, env, options.mask ? values.map((v) => v.bytes) : undefined);
}

interface ChildDeps {
  spawn: typeof SpawnFn;
  signals: Partial<Record<NodeJS.Signals, number>>;
}

/** Spawns the child, forwards signals, optionally masks its output; resolves with the exit status to use. */
function runChild(deps: ChildDeps, io: Io, file: string, args: string[], env: NodeJS.ProcessEnv, maskValues: Buffer[] | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    // Handlers go in before the fork: the child may be running (and the caller signalling us)
    // before spawn() returns, and a signal in that window must reach the child, not kill us alone.
    const forwarded = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;
    const early: NodeJS.Signals[] = [];
    let child: ReturnType<typeof SpawnFn> | undefined;
    const forward = (signal: NodeJS.Signals): void => {
      if (child === undefined) early.push(signal);
      else child.kill(signal);
    };
    for (const s of forwarded) process.on(s, forward);
    try {
      child = deps.spawn(file, args, { env, stdio: ["inherit", maskValues ? "pipe" : "inherit", maskValues ? "pipe" : "inherit"] });
    } catch (e) {
      for (const s of forwarded) process.off(s, forward);
      throw e;
    }
    for (const s of early.splice(0)) child.kill(s);
    const piping: Promise<void>[] = [];
    if (maskValues) {
      if (child.stdout) piping.push(pipeMasked(child.stdout, io.stdout, new SecretMasker(maskValues)));
      if (child.stderr) piping.push(pipeMasked(child.stderr, io.stderr, new SecretMasker(maskValues)));
    }
    child.once("error", (e: NodeJS.ErrnoException) => {
      for (const s of forwarded) process.off(s, forward);
      reject(clientError("spawn_failed", { detail: `"${file}" (${e.code ?? "error"})` }));
    });
    child.once("close", (code, signal) => {
      for (const s of forwarded) process.off(s, forward);
      void Promise.all(piping).then(() => {
        // A child killed by a signal exits the way sh reports it: 128 + signal number.
        resolve(code ?? 128 + (signal ? deps.signals[signal] ?? 0 : 0));
      });
    });
  });
}

async function pipeMasked(from: NodeJS.ReadableStream, to: Output, masker: SecretMasker): Promise<void> {
  for await (const chunk of from) {
    const out = masker.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    if (out.length > 0) await writeOut(to, out);
  }
  const rest = masker.end();
  if (rest.length > 0) await writeOut(to, rest);
}
