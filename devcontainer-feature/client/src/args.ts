import { envFormats, type EnvFormat } from "./env-format.ts";
import { clientError } from "./exit-codes.ts";

/** A parsed command line. */
export type Command =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "ping" }
  | { kind: "info" }
  | { kind: "get"; name: string }
  | { kind: "env"; names: string[]; skipUnavailable: boolean; format?: EnvFormat }
  | { kind: "docker-credential"; action: string | undefined }
  | { kind: "docker-login-config"; registries: string[] }
  | { kind: "aws-credential-process"; profile: string | undefined }
  | { kind: "exec"; only: string[]; mask: boolean; command: string[] }
  | { kind: "git-credential"; action: string | undefined }
  | { kind: "status"; brief: boolean };

/** Flags every command takes. */
export interface GlobalFlags {
  socket: string | undefined;
  json: boolean;
  noRetry: boolean;
}

/** The usage text for --help. */
export const usage = `usage: remo-secrets [--socket PATH] [--json] [--no-retry] <command>

commands:
  ping                         check that the broker answers (protocol 2)
  info                         the project's allowlist
  get NAME                     the value of NAME on stdout, nothing else
  env [--format shell|dotenv|json] [--skip-unavailable] [NAMES...]
                               'export NAME=...' lines for: eval "$(remo-secrets env)";
                               dotenv/json for a pipe, e.g. --env-file <(remo-secrets env --format dotenv)
  exec [--only A,B] [--mask] -- CMD [ARGS...]
                               run CMD with the secrets in its environment only
  git-credential get           git credential helper (credential.helper = '!remo-secrets git-credential')
  status [--brief]             socket, protocol, project, N of M secrets available
  docker-credential get|list   Docker credential helper (docker-credential-remo); secret
                               DOCKER_AUTH_<REGISTRY> holds user:token or a token
  docker-login-config [--registries a,b]
                               the ~/.docker/config.json credHelpers for those registries
  aws-credential-process [--profile P]
                               AWS credential_process JSON from AWS_ACCESS_KEY_ID, ... or AWS_<P>_...

socket: --socket, else $REMO_BROKER_SOCKET, else /run/remo-broker/sock
exit status: 0 ok, 2 usage, 3 denied, 4 not found, 5 unreachable, 6 protocol mismatch,
             7 rate limited, 8 timeout, 9 unusable value; exec passes on CMD's status
`;

const commandNames = ["ping", "info", "get", "env", "exec", "git-credential", "status", "help", "version", "docker-credential", "docker-login-config", "aws-credential-process"] as const;

/** Parses argv (without node and script); throws a `usage` ClientError on bad input. */
export function parseArgs(argv: readonly string[]): { flags: GlobalFlags; command: Command } {
  const flags: GlobalFlags = { socket: undefined, json: false, noRetry: false };
  const rest: string[] = [];
  let i = 0;
  let command: string | undefined;
  const bad = (detail: string): never => { throw clientError("usage", { detail }); };
  // Global flags may come before or after the command word, but never after `--`.
  for (; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") break;
    if (a === "--json") flags.json = true;
    else if (a === "--no-retry") flags.noRetry = true;
    else if (a === "--socket") {
      const v = argv[++i];
      if (v === undefined || v === "") bad("--socket needs a path");
      flags.socket = v;
    } else if (a.startsWith("--socket=")) {
      flags.socket = a.slice("--socket=".length);
      if (flags.socket === "") bad("--socket needs a path");
    } else if (a === "--help" || a === "-h") return { flags, command: { kind: "help" } };
    else if (a === "--version" || a === "-V") return { flags, command: { kind: "version" } };
    else if (command === undefined) {
      if (a.startsWith("-")) bad(`unknown option ${a}`);
      command = a;
      if (a === "exec") { i++; break; }
    } else rest.push(a);
  }
  if (command === undefined) return bad("no command given");
  if (!(commandNames as readonly string[]).includes(command)) return bad(`unknown command "${command}"`);
  switch (command as (typeof commandNames)[number]) {
    case "help": return { flags, command: { kind: "help" } };
    case "version": return { flags, command: { kind: "version" } };
    case "ping":
    case "info":
      if (rest.length > 0) bad(`${command} takes no arguments`);
      return { flags, command: { kind: command as "ping" | "info" } };
    case "get":
      if (rest.length !== 1 || rest[0]?.startsWith("-")) bad("get takes exactly one secret name");
      return { flags, command: { kind: "get", name: rest[0] ?? "" } };
    case "env": {
      const { value: format, rest: others } = takeOption(rest, "--format", bad);
      if (format !== undefined && !(envFormats as readonly string[]).includes(format)) bad(`--format takes ${envFormats.join(", ")}, not "${format}"`);
      const opt = others.find((r) => r.startsWith("-") && r !== "--skip-unavailable");
      if (opt !== undefined) bad(`unknown option ${opt} for env`);
      const names = others.filter((r) => r !== "--skip-unavailable");
      const skipUnavailable = others.includes("--skip-unavailable");
      return { flags, command: format === undefined ? { kind: "env", names, skipUnavailable } : { kind: "env", names, skipUnavailable, format: format as EnvFormat } };
    }
    case "docker-credential":
      if (rest.length > 1) bad("docker-credential takes one action: get, list, store or erase");
      return { flags, command: { kind: "docker-credential", action: rest[0] } };
    case "docker-login-config": {
      const { value, rest: others } = takeOption(rest, "--registries", bad);
      if (others.length > 0) bad(`docker-login-config takes only --registries, not ${others[0] ?? ""}`);
      return { flags, command: { kind: "docker-login-config", registries: (value ?? "").split(",").map((r) => r.trim()).filter((r) => r !== "") } };
    }
    case "aws-credential-process": {
      const { value, rest: others } = takeOption(rest, "--profile", bad);
      if (others.length > 0) bad(`aws-credential-process takes only --profile, not ${others[0] ?? ""}`);
      return { flags, command: { kind: "aws-credential-process", profile: value } };
    }
    case "git-credential":
      if (rest.length > 1) bad("git-credential takes one action: get, store or erase");
      return { flags, command: { kind: "git-credential", action: rest[0] } };
    case "status": {
      const opt = rest.find((r) => r !== "--brief");
      if (opt !== undefined) bad(`status takes only --brief, not ${opt}`);
      return { flags, command: { kind: "status", brief: rest.includes("--brief") } };
    }
    case "exec":
      return { flags, command: parseExec(argv.slice(i), flags, bad) };
  }
}

/** Removes `--opt VALUE` / `--opt=VALUE` from `args`; a second copy or a missing value is a usage error. */
function takeOption(args: readonly string[], opt: string, bad: (d: string) => never): { value: string | undefined; rest: string[] } {
  let value: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a !== opt && !a.startsWith(`${opt}=`)) { rest.push(a); continue; }
    if (value !== undefined) bad(`${opt} given twice`);
    value = a === opt ? args[++i] : a.slice(opt.length + 1);
    if (value === undefined || value === "") bad(`${opt} needs a value`);
  }
  return { value, rest };
}

function parseExec(argv: readonly string[], flags: GlobalFlags, bad: (d: string) => never): Command {
  const only: string[] = [];
  let mask = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") { i++; break; }
    if (a === "--mask") mask = true;
    else if (a === "--json") flags.json = true;
    else if (a === "--no-retry") flags.noRetry = true;
    else if (a === "--only" || a.startsWith("--only=")) {
      const v = a === "--only" ? argv[++i] : a.slice("--only=".length);
      if (v === undefined || v === "") bad("--only needs a comma-separated list of secret names");
      only.push(...v.split(",").map((s) => s.trim()).filter((s) => s !== ""));
    } else if (a === "--socket" || a.startsWith("--socket=")) {
      const v = a === "--socket" ? argv[++i] : a.slice("--socket=".length);
      if (v === undefined || v === "") bad("--socket needs a path");
      flags.socket = v;
    } else if (a.startsWith("-")) bad(`unknown option ${a} for exec (put the command after --)`);
    else break;
  }
  const command = argv.slice(i);
  if (command.length === 0) bad("exec needs a command: remo-secrets exec -- CMD [ARGS...]");
  return { kind: "exec", only, mask, command };
}
