// Secret values that come from a source the user configured in USER settings
// (`remo.secretSources`): an environment variable, a command run without a shell, or a
// preset for a secret manager (expanded to one of those by secret-presets.ts).
import { CodedError, secretNamePattern } from "#protocol";
import { createExecFileRunner, type RunCommand } from "../run-program.ts";
import { describePreset, expandPreset, isPresetId, presetIds, presets, type PresetId } from "./secret-presets.ts";

/** A preset entry as configured: which tool, and the reference the user pasted. */
export interface PresetOrigin {
  id: PresetId;
  reference: string;
}

/**
 * Where one secret's value comes from. `preset` is set when the entry was a preset (the argv or
 * variable is its expansion); `firstLine` keeps only the first output line (pass).
 */
export type SecretSource =
  | { kind: "env"; variable: string; preset?: PresetOrigin }
  | { kind: "command"; argv: [string, ...string[]]; preset?: PresetOrigin; firstLine?: boolean };

/** A short description of a source for prompts and logs: a preset's label and reference, the variable, or the program. */
export function describeSecretSource(source: SecretSource): string {
  if (source.preset !== undefined) return describePreset(source.preset.id, source.preset.reference);
  return source.kind === "env" ? `environment variable ${source.variable}` : `command ${source.argv[0]}`;
}

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
    return { sources, problems: ["remo.secretSources must be an object mapping secret names to { \"preset\": \"1password\", \"reference\": \"op://…\" }, { \"env\": \"VAR\" } or { \"command\": [\"program\", \"arg\"] }."] };
  }
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (!secretNamePattern.test(name)) {
      problems.push(`remo.secretSources: "${name}" is not a valid secret name (letters, digits and _ only, at most 128). Rename the entry.`);
      continue;
    }
    const e = entry as Record<string, unknown> | null;
    if (typeof e === "object" && e !== null && "preset" in e) {
      const r = parsePresetEntry(name, e);
      if (typeof r === "string") problems.push(r);
      else sources.set(name, r);
      continue;
    }
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
    problems.push(`remo.secretSources.${name}: use { "preset": "1password", "reference": "op://…" }, { "env": "VAR" } or { "command": ["program", "arg", …] } (a non-empty argv list; it runs without a shell).`);
  }
  return { sources, problems };
}

function parsePresetEntry(name: string, e: Record<string, unknown>): SecretSource | string {
  const where = `remo.secretSources.${name}`;
  const extra = Object.keys(e).filter((k) => k !== "preset" && k !== "reference");
  if (extra.length > 0) return `${where}: a preset entry takes only "preset" and "reference", not ${extra.map((k) => `"${k}"`).join(", ")}. Remove them.`;
  if (!isPresetId(e.preset)) return `${where}: "preset" must be one of ${presetIds.join(", ")}.`;
  const reference = e.reference ?? "";
  if (typeof reference !== "string") return `${where}: "reference" must be a string: ${presets[e.preset].referenceHelp}.`;
  const x = expandPreset(e.preset, reference);
  if ("problem" in x) return `${where}: ${x.problem}.`;
  const preset = { id: e.preset, reference: reference.trim() };
  return x.kind === "env" ? { kind: "env", variable: x.variable, preset } : { kind: "command", argv: x.argv, preset, firstLine: x.firstLine };
}

/** The most a source may print; a secret is far smaller, so more means the command is wrong. */
export const maxSourceOutputBytes = 64 * 1024;

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
  const fix = `fix remo.secretSources.${name} in your user settings`;
  if (source.kind === "env") {
    const v = deps.env[source.variable];
    if (v === undefined || v === "") {
      throw new SecretSourceError("env_unset", `${name} comes from the environment variable ${source.variable}, which is not set for VS Code. Set it before starting VS Code, store the value with "Remo: Set Secret…", or ${fix}.`);
    }
    return v;
  }
  const [program, ...args] = source.argv;
  const what = source.preset === undefined ? `the command "${program}"` : `${presets[source.preset.id].label} ("${program}")`;
  let stdout: string;
  try {
    ({ stdout } = await deps.run(program, args, { timeoutMs: deps.timeoutMs }));
  } catch (e) {
    const x = e as { code?: unknown } | null;
    const install = source.preset === undefined ? "" : `${presets[source.preset.id].install}, or `;
    if (x?.code === "ENOENT") throw new SecretSourceError("command_failed", `${name} comes from ${what}, which was not found on the PATH: ${install}${fix}.`);
    throw new SecretSourceError("command_failed", `${name} comes from ${what}, which ${describeRunFailure(e, deps.timeoutMs)}. Run it in a terminal to check it, or ${fix}.`);
  }
  const text = source.firstLine === true ? (stdout.split(/\r?\n/, 1)[0] ?? "") : stdout;
  const value = text.trim();
  if (value === "") throw new SecretSourceError("empty_output", `${name} comes from ${what}, which printed nothing. Run it in a terminal to check it, or ${fix}.`);
  return value;
}

function describeRunFailure(e: unknown, timeoutMs: number): string {
  const x = e as { code?: unknown; killed?: unknown; signal?: unknown; stderr?: unknown; stdout?: unknown } | null;
  if (x?.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") return `printed more than ${maxSourceOutputBytes / 1024} KiB, which is not a secret value`;
  if (x?.killed === true) return `did not finish within ${timeoutMs} ms`;
  const said = summariseStderr(x?.stderr, x?.stdout);
  if (typeof x?.code === "number") return `exited with status ${x.code}${said}`;
  if (typeof x?.signal === "string") return `was killed by ${x.signal}${said}`;
  return "failed to run";
}

/**
 * The first line of a failed command's stderr, so "item not found" reaches the user. Whatever
 * it printed on stdout is cut out first (a tool may echo the value it was about to print), and
 * the line is capped, so at most a fragment of a short diagnostic is shown.
 */
export function summariseStderr(stderr: unknown, stdout: unknown): string {
  if (typeof stderr !== "string") return "";
  let text = stderr;
  const out = typeof stdout === "string" ? stdout.trim() : "";
  for (const piece of out === "" ? [] : [out, ...out.split(/\s+/).filter((p) => p.length >= 4)]) text = text.replaceAll(piece, "[redacted]");
  // eslint-disable-next-line no-control-regex
  const line = text.split(/\r?\n/).map((l) => l.replace(/[\u0000-\u001f\u007f]/g, "").trim()).find((l) => l !== "");
  if (line === undefined) return "";
  return ` (it said: ${line.length > 160 ? `${line.slice(0, 157)}...` : line})`;
}

/** The runner the extension uses for secret sources. */
export const execFileRunner: RunCommand = createExecFileRunner({ maxOutputBytes: maxSourceOutputBytes });
