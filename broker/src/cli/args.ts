/** A command-line usage problem; main prints it with the usage text and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Which flags a subcommand takes: value flags (repeatable when listed in `repeat`) and boolean flags. */
export interface FlagSpec {
  values: readonly string[];
  repeat?: readonly string[];
  booleans?: readonly string[];
}

/** Parsed flags and positional arguments. */
export interface ParsedArgs {
  values: Map<string, string[]>;
  booleans: Set<string>;
  positionals: string[];
}

/** Parses `--flag value`, `--flag=value` and boolean `--flag`; unknown flags are a UsageError. Pure. */
export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (spec.booleans?.includes(name) === true) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      booleans.add(name);
      continue;
    }
    if (!spec.values.includes(name)) throw new UsageError(`unknown option --${name}`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    const list = values.get(name) ?? [];
    if (list.length > 0 && spec.repeat?.includes(name) !== true) throw new UsageError(`--${name} given twice`);
    list.push(value);
    values.set(name, list);
  }
  return { values, booleans, positionals };
}

/** The single value of a flag, or undefined. */
export function flag(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.[0];
}

/** Parses a flag as a positive number, or returns the fallback. */
export function numberFlag(args: ParsedArgs, name: string, fallback: number, opts: { integer?: boolean; min?: number } = {}): number {
  const raw = flag(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || (opts.integer === true && !Number.isInteger(n)) || n < (opts.min ?? 0)) {
    throw new UsageError(`--${name} must be ${opts.integer === true ? "an integer" : "a number"} ≥ ${opts.min ?? 0}, got "${raw}"`);
  }
  return n;
}
