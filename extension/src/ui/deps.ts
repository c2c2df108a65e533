import type * as vscode from "vscode";
import type { ApprovalStore } from "../approvals/approval-store.ts";
import type { NodeRegistry } from "../node/node-registry.ts";
import type { SecretStore } from "../secrets/secret-store.ts";
import type { RemoStatusBar } from "../status/status-bar.ts";
import { readSettings } from "../settings.ts";
import { getLog } from "../log.ts";
import type { NodeClientDeps } from "../node/index.ts";
import { notifyError } from "./notify.ts";

/** What every command may use; built once in extension.ts. */
export interface CommandDeps {
  context: vscode.ExtensionContext;
  secrets: SecretStore;
  nodes: NodeRegistry;
  /** Which names each project may receive on each node, as the user approved them. */
  approvals: ApprovalStore;
  statusBar: RemoStatusBar;
  /** secret name → when a container last fetched it, from the last audit fetch. */
  lastFetched: Map<string, string>;
  /** Re-sends the secret state to the language server. */
  publishSecretState(): void;
  /** Tells the extension this workspace uses Remo (starts the server, shows the status bar). */
  markUsed(): void;
}

/**
 * True when the extension runs under the project's own VS Code test harness. Only then do
 * commands accept arguments that skip prompts (values, confirmations): a repository or a
 * command link can never use them to bypass a confirmation in normal use.
 */
export function isTestMode(): boolean {
  return process.env.REMO_E2E === "1";
}

/** The options object a command got, honoured only in test mode. */
export function testOptions<T extends object>(arg: unknown): Partial<T> {
  return isTestMode() && typeof arg === "object" && arg !== null ? arg : {};
}

/** Wraps a command: errors become one notification; in test mode they also reach the caller. */
export function guarded<A extends unknown[], R>(fn: (...args: A) => Promise<R>, node?: (...args: A) => string | undefined): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      // Under the test harness the caller gets the error instead: a modal left open would
      // block the UI steps that follow the suite.
      if (isTestMode()) throw e;
      void notifyError(e, node?.(...args));
      return undefined;
    }
  };
}

/** Node-client dependencies from the laptop: its files (~/.ssh keys), env (SSH_AUTH_SOCK) and log. */
export function nodeClientDeps(): NodeClientDeps {
  const settings = readSettings();
  return {
    readFile: async (path: string) => {
      const { readFile } = await import("node:fs/promises");
      return await readFile(path);
    },
    env: process.env,
    log: (line: string) => { getLog().debug(line); },
    connectTimeoutMs: settings.connectTimeoutMs,
  };
}
