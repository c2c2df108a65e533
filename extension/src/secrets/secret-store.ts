// The only place secret values are read: VS Code SecretStorage (the OS keychain), or a
// source the user configured in user settings. Values never reach a log or the server.
import type * as vscode from "vscode";
import type { SecretState } from "#protocol/lsp";
import type { RunCommand } from "../run-program.ts";
import { resolveSecretSource, type SecretSource, type SecretSourceConfig } from "./secret-sources.ts";

const keyPrefix = "remo.secret.";
const indexKey = "remo.secretNames";

/** What the store needs from VS Code (an ExtensionContext fits). */
export interface SecretStoreHost {
  secrets: Pick<vscode.SecretStorage, "get" | "store" | "delete"> & { onDidChange(listener: (e: { key: string }) => unknown): { dispose(): unknown } };
  globalState: Pick<vscode.Memento, "get" | "update">;
}

/** One name the laptop knows, with where its value would come from. */
export interface SecretEntry {
  name: string;
  stored: boolean;
  source?: SecretSource;
}

/** SecretStorage wrapper with a name index (SecretStorage cannot list keys in VS Code 1.95). */
export class SecretStore {
  private readonly listeners = new Set<() => void>();
  private readonly sub: { dispose(): unknown };

  constructor(
    private readonly host: SecretStoreHost,
    private readonly sources: () => SecretSourceConfig,
    private readonly deps: { env: Record<string, string | undefined>; run: RunCommand; timeoutMs: () => number },
  ) {
    this.sub = host.secrets.onDidChange((e) => {
      if (e.key.startsWith(keyPrefix)) this.fire();
    });
  }

  /** Calls `listener` whenever a stored value or the name index changes. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  /** Names with a stored value, sorted. */
  storedNames(): string[] {
    return [...this.host.globalState.get<string[]>(indexKey, [])].sort();
  }

  /** Every name known from storage or configured sources, sorted, with where its value comes from. */
  entries(): SecretEntry[] {
    const stored = new Set(this.storedNames());
    const { sources } = this.sources();
    const names = new Set([...stored, ...sources.keys()]);
    return [...names].sort().map((name) => {
      const source = sources.get(name);
      return source === undefined ? { name, stored: stored.has(name) } : { name, stored: stored.has(name), source };
    });
  }

  /** Stores a value (the OS keychain via SecretStorage) and indexes the name. */
  async set(name: string, value: string): Promise<void> {
    await this.host.secrets.store(keyPrefix + name, value);
    const names = new Set(this.storedNames());
    if (!names.has(name)) {
      names.add(name);
      await this.host.globalState.update(indexKey, [...names].sort());
    }
    this.fire();
  }

  /** Removes a stored value; returns false when none was stored. */
  async delete(name: string): Promise<boolean> {
    const names = new Set(this.storedNames());
    const had = names.delete(name);
    await this.host.secrets.delete(keyPrefix + name);
    if (had) await this.host.globalState.update(indexKey, [...names].sort());
    this.fire();
    return had;
  }

  /**
   * The value for `name`: a stored value first (the user typed it on purpose), else the
   * configured source. Undefined when neither has one. Throws SecretSourceError from a source.
   */
  async get(name: string): Promise<string | undefined> {
    const stored = await this.host.secrets.get(keyPrefix + name);
    if (stored !== undefined) return stored;
    const source = this.sources().sources.get(name);
    if (source === undefined) return undefined;
    return await resolveSecretSource(name, source, { env: this.deps.env, run: this.deps.run, timeoutMs: this.deps.timeoutMs() });
  }

  /**
   * Names and whether a value is set, for the language server. An env source counts when the
   * variable is set; a command source counts as set without running it (state must be cheap).
   */
  states(lastFetched: ReadonlyMap<string, string> = new Map()): SecretState[] {
    const known = this.entries();
    const names = new Set(known.map((e) => e.name));
    for (const name of lastFetched.keys()) if (!names.has(name)) known.push({ name, stored: false });
    return known.map((e) => {
      const hasValue = e.stored || (e.source?.kind === "env" ? (this.deps.env[e.source.variable] ?? "") !== "" : e.source?.kind === "command");
      const at = lastFetched.get(e.name);
      return at === undefined ? { name: e.name, hasValue } : { name: e.name, hasValue, lastFetchedAt: at };
    });
  }

  /** Stops listening to SecretStorage. */
  dispose(): void {
    this.sub.dispose();
    this.listeners.clear();
  }

  private fire(): void {
    for (const l of this.listeners) l();
  }
}
