import { join } from "node:path";
import { repoRoot } from "../helpers/broker-process.ts";
import { podmanEnv, podmanWrapper } from "../helpers/podman.ts";
import { runProcess, type ProcessResult } from "../helpers/run-process.ts";

/** The real devcontainer CLI from devDependencies, run by the same Node as the tests. */
export const devcontainerCli = join(repoRoot, "node_modules", "@devcontainers", "cli", "devcontainer.js");
/** The project's own synthesis, as a user runs it on the node. */
export const synthesizeBin = join(repoRoot, "dist", "remo-secrets-synthesize.js");

/** Every label the suite puts on containers, so cleanup finds exactly its own. */
export const suiteLabel = `remo-container-suite=${String(process.pid)}`;

/** Where one project is and how the CLI should reach the engine for it. */
export interface CliTarget {
  workspace: string;
  /** For compose configurations: podman's Docker API (DOCKER_HOST) for docker-compose. */
  dockerHost?: string;
}

/** What `up` and `read-configuration` printed (not exec: its output is the value on purpose), for the leak scans. */
export const cliLogs: string[] = [];

function engineArgs(t: CliTarget): string[] {
  return [
    "--workspace-folder", t.workspace,
    "--docker-path", podmanWrapper(),
    ...(t.dockerHost === undefined ? [] : ["--docker-compose-path", "docker-compose"]),
    "--id-label", suiteLabel,
    "--id-label", `remo-workspace=${t.workspace}`,
  ];
}

async function cli(t: CliTarget, args: string[], timeoutMs: number, record: boolean): Promise<ProcessResult> {
  const env = podmanEnv(t.dockerHost === undefined ? {} : { DOCKER_HOST: t.dockerHost });
  const r = await runProcess(process.execPath, [devcontainerCli, ...args], { env, timeoutMs });
  if (record) cliLogs.push(r.stdout, r.stderr);
  return r;
}

/** The JSON outcome line `devcontainer up` prints last on stdout. */
export interface UpOutcome { outcome: string; containerId?: string; remoteUser?: string; message?: string }

/** `devcontainer up` (optionally removing the existing container first: a rebuild). */
export async function devcontainerUp(t: CliTarget, opts: { removeExisting?: boolean } = {}): Promise<{ result: ProcessResult; outcome: UpOutcome; log: string }> {
  const result = await cli(t, ["up", ...engineArgs(t), "--log-level", "info", ...(opts.removeExisting === true ? ["--remove-existing-container"] : [])], 600_000, true);
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  let outcome: UpOutcome;
  try {
    outcome = JSON.parse(last) as UpOutcome;
  } catch {
    outcome = { outcome: "unparsed", message: last.slice(0, 500) };
  }
  return { result, outcome, log: result.stdout + result.stderr };
}

/** `devcontainer build --image-name`: the image `up` would build for the configuration, under a name. */
export async function devcontainerBuild(t: CliTarget, imageName: string): Promise<{ result: ProcessResult; log: string }> {
  const result = await cli(t, ["build", "--workspace-folder", t.workspace, "--docker-path", podmanWrapper(), "--image-name", imageName, "--log-level", "info"], 600_000, true);
  return { result, log: result.stdout + result.stderr };
}

/** `devcontainer exec` as the configuration's remoteUser; `script` runs under sh -c. */
export function devcontainerExec(t: CliTarget, script: string, timeoutMs = 60_000): Promise<ProcessResult> {
  return cli(t, ["exec", ...engineArgs(t), "sh", "-c", script], timeoutMs, false);
}

/** `devcontainer read-configuration` against podman: the merged configuration as the CLI reads it. */
export async function readConfiguration(t: CliTarget): Promise<Record<string, unknown>> {
  const r = await cli(t, ["read-configuration", ...engineArgs(t)], 120_000, true);
  if (r.code !== 0) throw new Error(`read-configuration failed (${String(r.code)}): ${r.stderr.slice(-1500)}`);
  return (JSON.parse(r.stdout) as { configuration: Record<string, unknown> }).configuration;
}

/** `read-configuration --include-merged-configuration`: the configuration with the features' metadata merged in. */
export async function readMergedConfiguration(t: CliTarget): Promise<Record<string, unknown>> {
  const r = await cli(t, ["read-configuration", "--include-merged-configuration", ...engineArgs(t)], 300_000, true);
  if (r.code !== 0) throw new Error(`read-configuration failed (${String(r.code)}): ${r.stderr.slice(-1500)}`);
  return (JSON.parse(r.stdout) as { mergedConfiguration: Record<string, unknown> }).mergedConfiguration;
}

/**
 * Runs the project's synthesis on a workspace for a broker whose runtime directory is `runtimeDir`,
 * looking images up with the same engine the CLI uses (`--docker-path`, as a user passes it to both).
 */
export function synthesize(workspace: string, runtimeDir: string): Promise<ProcessResult> {
  return runProcess(process.execPath, [synthesizeBin, "--runtime-dir", runtimeDir, "--docker-path", podmanWrapper(), workspace], { timeoutMs: 60_000 });
}
