import { parseArgs, usage, type Command } from "./args.ts";
import type { CallOptions } from "./broker-calls.ts";
import { isClientError } from "./client-error.ts";
import { runEnv, runExec } from "./env-exec.ts";
import { exitStatusFor } from "./exit-codes.ts";
import { runGet } from "./get.ts";
import { runGitCredential } from "./git-credential.ts";
import { runDockerCredential, runDockerLoginConfig } from "./docker-credential.ts";
import { runAwsCredentialProcess } from "./aws-credential.ts";
import { isatty } from "node:tty";
import { fdOutput, writeJson, writeOut, type Io } from "./io.ts";
import { retryPolicyFromEnv } from "./retry.ts";
import { runInfo, runPing, runStatus } from "./status.ts";
import { clientVersion } from "./version.ts";

const defaultSocket = "/run/remo-broker/sock";

function callOptions(io: Io, socket: string | undefined, noRetry: boolean, command: Command): CallOptions {
  const timeout = Number(io.env.REMO_SECRETS_TIMEOUT_SECONDS);
  const retry = retryPolicyFromEnv(io.env);
  // status runs at shell start-up: keep a missing broker from delaying the prompt.
  const budgetMs = noRetry ? 0 : command.kind === "status" ? Math.min(retry.budgetMs, 1000) : retry.budgetMs;
  return {
    socketPath: socket ?? (io.env.REMO_BROKER_SOCKET === undefined || io.env.REMO_BROKER_SOCKET === "" ? defaultSocket : io.env.REMO_BROKER_SOCKET),
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 10_000,
    retry: { ...retry, budgetMs },
  };
}

async function run(io: Io, argv: string[]): Promise<number> {
  let json = argv.includes("--json");
  try {
    const { flags, command } = parseArgs(argv);
    json = flags.json;
    const call = callOptions(io, flags.socket, flags.noRetry, command);
    switch (command.kind) {
      case "help": await writeOut(io.stdout, usage); return 0;
      case "version": await writeOut(io.stdout, json ? JSON.stringify({ version: clientVersion }) + "\n" : `remo-secrets ${clientVersion}\n`); return 0;
      case "ping": return await runPing(call, io, json);
      case "info": return await runInfo(call, io, json);
      case "get": return await runGet(call, io, command.name, json);
      case "env": return await runEnv(call, io, command.names, command.format ?? (json ? "json" : "shell"), command.skipUnavailable);
      case "exec": return await runExec(call, io, command);
      case "git-credential": return await runGitCredential(call, io, command.action);
      case "status": return await runStatus(call, io, json, command.brief);
      case "docker-credential": return await runDockerCredential(call, io, command.action);
      case "docker-login-config": return await runDockerLoginConfig(io, command.registries);
      case "aws-credential-process": return await runAwsCredentialProcess(call, io, command.profile);
    }
  } catch (e) {
    if (!isClientError(e)) throw e;
    if (json) await writeJson(io.stdout, { ok: false, code: e.code, message: e.message });
    else await writeOut(io.stderr, `remo-secrets: ${e.message}\n`);
    return exitStatusFor(e.code);
  }
}

// stdin is a getter: creating a process stream costs start-up time, and only
// the credential helpers read it. Output goes straight to fds 1 and 2 (see fdOutput).
const io: Io = {
  stdout: fdOutput(1),
  stderr: fdOutput(2),
  get stdin() { return process.stdin; },
  env: process.env,
  stdoutIsTty: isatty(1),
};
run(io, process.argv.slice(2)).then(
  (status) => { process.exitCode = status; },
  (e: unknown) => {
    // An unexpected bug: say so without echoing data that could hold a value.
    void io.stderr.write(`remo-secrets: internal error (${e instanceof Error ? e.name : "unknown"}): please report it\n`);
    process.exitCode = 1;
  },
);
