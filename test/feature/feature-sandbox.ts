import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { listFiles } from "../helpers/list-files.ts";
import { chrootUnavailable, ensureDebianRoot, Sandbox, type BindMount, type RunResult } from "./debian-root.ts";

/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/** The feature folder exactly as a project would copy it into .devcontainer/. */
export const featureDir = join(repoRoot, "devcontainer-feature", "src", "remo-secrets");
/** The devcontainers-style test scripts for the feature. */
export const featureTestDir = join(repoRoot, "devcontainer-feature", "test", "remo-secrets");
/** Where the feature folder and test scripts appear inside the root. */
export const inRootFeature = "/tmp/remo-feature";
export const inRootTests = "/tmp/remo-feature-tests";

/** The host's node binary, bind-mounted as the image's Node (same Debian release). */
export const hostNode: BindMount = { from: process.execPath, to: "/usr/local/bin/node", file: true };

/** Why the suite cannot run here (printed loudly as SKIPPED), or null. */
export const skipReason = chrootUnavailable();

/**
 * Makes sure the feature folder holds the bundled client (the build stages it there),
 * building once if it is missing.
 */
export function ensureStagedClient(): void {
  const staged = join(featureDir, "remo-secrets.js");
  if (!existsSync(staged)) execFileSync(process.execPath, ["esbuild.mjs"], { cwd: repoRoot, stdio: "inherit" });
  if (!existsSync(staged)) throw new Error(`${staged} is missing after the build: run 'npm run build'`);
}

/** A sandbox over the cached Debian root, with the feature folder and test scripts copied in. */
export function newFeatureSandbox(): Sandbox {
  const sandbox = new Sandbox(ensureDebianRoot());
  cpSync(featureDir, join(sandbox.upper, inRootFeature), { recursive: true });
  cpSync(featureTestDir, join(sandbox.upper, inRootTests), { recursive: true });
  mkdirSync(join(sandbox.upper, "usr/local/bin"), { recursive: true });
  cpSync(join(repoRoot, "test", "feature", "dev-container-features-test-lib"), join(sandbox.upper, "usr/local/bin/dev-container-features-test-lib"));
  return sandbox;
}

/** Feature options as install.sh receives them: upper-cased names (devcontainers convention). */
export function optionEnv(options: Record<string, string | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k.toUpperCase(), String(v)]));
}

/** Runs the feature's install.sh as root in the sandbox. */
export function install(sandbox: Sandbox, options: Record<string, string | boolean> = {}, binds: BindMount[] = [hostNode]): Promise<RunResult> {
  return sandbox.run(`cd ${inRootFeature} && sh ./install.sh`, { env: optionEnv(options), binds });
}

/** Path → mtime (ms) of every file in the sandbox's writable layer, to prove a rerun changed nothing. */
export function snapshotLayer(sandbox: Sandbox): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { path, stat } of listFiles(sandbox.upper)) out[relative(sandbox.upper, path)] = stat.mtimeMs;
  return out;
}
