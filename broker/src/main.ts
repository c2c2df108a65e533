import { runAdmin } from "./cli/admin.ts";
import { UsageError } from "./cli/args.ts";
import { runAudit } from "./cli/audit.ts";
import { processIo } from "./cli/io.ts";
import { runKeygen } from "./cli/keygen.ts";
import { runServe } from "./cli/serve.ts";
import { BROKER_VERSION } from "./version.ts";

const usage = `usage:
  remo-broker serve [--runtime-dir DIR] [--state-dir DIR] [--audit-file FILE] [--identity FILE] [--unsafe-paths]
                    [--rate-limit PER_SEC] [--rate-burst N] [--project-rate-limit PER_SEC]
                    [--project-rate-burst N] [--cache-ttl S] [--cache-max-entries N] [--audit-max-bytes N]
                    [--max-connections-per-peer N]
  remo-broker keygen --out FILE
  remo-broker admin [--runtime-dir DIR | --socket PATH] <op> [--name N] [--project-path P]
                    [--project P] [--allowlist A,B,...] [--peer-uid U ...] [--socket-owner UID:GID]
                    [--since T] [--limit N] [--timeout S]
      ops: register unregister reload status get-public-key push-creds clear-creds audit
      register/reload --allowlist: the approved names (served: approved ∩ manifest file);
      without it, what the manifest file lists now is approved.
      push-creds reads the age ciphertext from stdin. Exit: 0 ok, 1 refused, 2 usage,
      3 broker not running, 4 permission denied, 5 I/O error.
  remo-broker audit [--audit-file FILE] [--since T] [--tail [--new-only]] [--json] [--project P] [--limit N]
  remo-broker --version
`;

const commands: Record<string, (argv: readonly string[]) => Promise<number>> = {
  serve: (a) => runServe(a, processIo),
  keygen: (a) => runKeygen(a, processIo),
  admin: (a) => runAdmin(a, processIo),
  audit: (a) => {
    const ac = new AbortController();
    process.once("SIGINT", () => { ac.abort(); });
    process.once("SIGTERM", () => { ac.abort(); });
    return runAudit(a, processIo, ac.signal);
  },
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === "--version" || cmd === "version") {
    process.stdout.write(`${BROKER_VERSION}\n`);
    return 0;
  }
  if (cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(usage);
    return 0;
  }
  const run = cmd === undefined ? undefined : commands[cmd];
  if (run === undefined) {
    process.stderr.write(`remo-broker: ${cmd === undefined ? "missing command" : `unknown command "${cmd}"`}\n${usage}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`remo-broker ${cmd ?? ""}: ${e.message}\n${usage}`);
      return 2;
    }
    process.stderr.write(`remo-broker ${cmd ?? ""}: unexpected error: ${(e as Error).message}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
