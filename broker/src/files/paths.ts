import { join } from "node:path";
import { DEFAULT_RUNTIME_DIR } from "#protocol";

/** Default locations on a node (docs/architecture.md#node-layout); every one can be overridden by a flag. */
export const defaultPaths = {
  runtimeDir: DEFAULT_RUNTIME_DIR,
  stateDir: "/var/lib/remo-broker",
  auditFile: "/var/log/remo-broker/audit.jsonl",
} as const;

/** Where the broker keeps its files, resolved from flags and defaults. */
export interface BrokerPaths {
  runtimeDir: string;
  stateDir: string;
  auditFile: string;
}

/** Where the per-project socket directories live: `<runtime-dir>/projects`. */
export function projectsDir(runtimeDir: string): string {
  return join(runtimeDir, "projects");
}

/** The registry of projects in the state directory. */
export function registryFile(stateDir: string): string {
  return join(stateDir, "projects.json");
}

/** The stored (still encrypted) bundle for a project, or the node-wide one. */
export function bundleFile(stateDir: string, project?: string): string {
  return join(stateDir, "bundles", project === undefined ? "node.age" : `project-${project}.age`);
}

/** The last-tier key file when neither --identity nor $CREDENTIALS_DIRECTORY is given. */
export function defaultKeyFile(stateDir: string): string {
  return join(stateDir, "secrets-key");
}
