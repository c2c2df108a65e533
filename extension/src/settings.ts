import * as vscode from "vscode";
import { parseSecretSources, type SecretSourceConfig } from "./secrets/secret-sources.ts";

/** `remo.trace.server` values. */
export type TraceSetting = "off" | "messages" | "verbose";

/** Settings Remo reads, with their defaults applied. */
export interface RemoSettings {
  traceServer: TraceSetting;
  reminderDays: number;
  registerProject: boolean;
  featureId: string | undefined;
  sshConfigFile: string | undefined;
  connectTimeoutMs: number;
  sourceTimeoutMs: number;
}

/** Reads Remo's settings for `scope` (a workspace folder or none). */
export function readSettings(scope?: vscode.ConfigurationScope): RemoSettings {
  const c = vscode.workspace.getConfiguration("remo", scope);
  const trace = c.get<string>("trace.server", "off");
  const featureId = c.get<string>("devcontainer.featureId", "").trim();
  const sshConfigFile = c.get<string>("ssh.configFile", "").trim();
  return {
    traceServer: trace === "messages" || trace === "verbose" ? trace : "off",
    reminderDays: clampInt(c.get<number>("push.reminderDays", 7), 0, 365, 7),
    registerProject: c.get<boolean>("push.registerProject", true),
    featureId: featureId === "" ? undefined : featureId,
    sshConfigFile: sshConfigFile === "" ? undefined : sshConfigFile,
    connectTimeoutMs: clampInt(c.get<number>("ssh.connectTimeoutSeconds", 20), 1, 300, 20) * 1000,
    sourceTimeoutMs: clampInt(userValue("secretSources.timeoutMs") ?? 10_000, 100, 120_000, 10_000),
  };
}

/**
 * The secret sources from USER settings only. A workspace or folder value is ignored on
 * purpose: a repository must never make the extension run a command.
 */
export function readSecretSources(): SecretSourceConfig {
  return parseSecretSources(userValue("secretSources"));
}

/** The user-level (global) value of `remo.<key>`, ignoring workspace and folder values. */
function userValue(key: string): unknown {
  return vscode.workspace.getConfiguration("remo").inspect(key)?.globalValue;
}

function clampInt(v: unknown, min: number, max: number, fallback: number): number {
  if (typeof v !== "number" || !Number.isFinite(v)) return fallback;
  return Math.min(max, Math.max(min, Math.round(v)));
}
