// Secret values that come from a source the user configured in USER settings
// (`remo.secretSources`): an environment variable, or a command run without a shell.
import { CodedError, secretNamePattern } from "#protocol";

/** Where one secret's value comes from. */
export type SecretSource = { kind: "env"; variable: string } | { kind: "command"; argv: [string, ...string[]] };

/** Parsed `remo.secretSources`: the usable sources and a sentence per entry that was ignored. */
export interface SecretSourceConfig {
  sources: ReadonlyMap<string, SecretSource>;
  problems: string[];
}

/** Validates the raw setting value; bad entries are skipped with a problem that says how to fix them. */
export function parseSecretSources(raw: unknown): SecretSourceConfig {
  const sources = new Map<string, SecretSource>();
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { sources, problems };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { sources, problems: ["remo.secretSources must be an object mapping secret names to { \"env\": \"VAR\" } or { \"command\": [\"program\", \"arg\"] }."] };
  }
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (!secretNamePattern.test(name)) {
      problems.push(`remo.secretSources: "${name}" is not a valid secret name (letters, digits and _ only, at most 128). Rename the entry.`);
      continue;
    }
    const e = entry as Record<string, unknown> | null;
    if (typeof e === "object" && e !== null && !Array.isArray(e) && Object.keys(e).length === 1) {
      if (typeof e.env === "string" && e.env.trim() !== "") {
        sources.set(name, { kind: "env", variable: e.env.trim() });
        continue;
      }
      const argv = Array.isArray(e.command) && e.command.every((a) => typeof a === "string") ? e.command : [];
      const [program, ...args] = argv;
      if (program !== undefined && program.trim() !== "") {
        sources.set(name, { kind: "command", argv: [program, ...args] });
        continue;
      }
    }
    problems.push(`remo.secretSources.${name}: use exactly one of { "env": "VAR" } or { "command": ["program", "arg", …] } (a non-empty argv list; it runs without a shell).`);
  }
  return { sources, problems };
}

/** How a source runs a program: execFile semantics (no shell), stdout as text. */
export type RunCommand = (program: string, args: string[], opts: { timeoutMs: number }) => Promise<{ stdout: string }>;

/** Why a source gave no value; the message names the source but never output. */
export class SecretSourceError extends CodedError<"env_unset" | "command_failed" | "empty_output"> {
  constructor(code: "env_unset" | "command_failed" | "empty_output", message: string) {
    super("SecretSourceError", code, message);
  }
}

/** Resolves one source to a value. Output is trimmed; errors never include the command's output. */
export async function resolveSecretSource(
  name: string,
  source: SecretSource,
  deps: { env: Record<string, string | undefined>; run: RunCommand; timeoutMs: number },
): Promise<string> {
  if (source.kind === "env") {
    const v = deps.env[source.variable];
    if (v === undefined || v === "") {
      throw new SecretSourceError("env_unset", `${name} comes from the environment variable ${source.variable}, which is not set for VS Code. Set it before starting VS Code, or store the value with "Remo: Set Secret…".`);
    }
    return v;
  }
  const [program, ...args] = source.argv;
  let stdout: string;
  try {
    ({ stdout } = await deps.run(program, args, { timeoutMs: deps.timeoutMs }));
  } catch (e) {
    // Only the program name and a coarse reason: stderr/stdout might hold the secret.
    const reason = describeRunFailure(e, deps.timeoutMs);
    throw new SecretSourceError("command_failed", `${name} comes from the command "${program}", which ${reason}. Run it in a terminal to check it, or change remo.secretSources in your user settings.`);
  }
  const value = stdout.trim();
  if (value === "") throw new SecretSourceError("empty_output", `${name} comes from the command "${program}", which printed nothing. Run it in a terminal to check it.`);
  return value;
}

function describeRunFailure(e: unknown, timeoutMs: number): string {
  const x = e as { code?: unknown; killed?: unknown; signal?: unknown } | null;
  if (x?.code === "ENOENT") return "was not found on the PATH";
  if (x?.killed === true || x?.signal === "SIGTERM") return `did not finish within ${timeoutMs} ms`;
  if (typeof x?.code === "number") return `exited with status ${x.code}`;
  return "failed to run";
}

/** The real runner: execFile without a shell, bounded output, trimmed by the caller. */
export const execFileRunner: RunCommand = async (program, args, opts) => {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const { stdout } = await promisify(execFile)(program, args, { shell: false, timeout: opts.timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true, encoding: "utf8" });
  return { stdout };
};
