import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { formatTimestamp, projectNamePattern, RemoError, type AuditEvent } from "#protocol";
import type { AuditFields } from "../audit/audit-record.ts";
import { decryptBundle, type DecryptionKey } from "./bundle-crypto.ts";
import { destroyFile, readOptionalFile, writeFileAtomic } from "../files/state-file.ts";
import { bundleFile } from "../files/paths.ts";
import type { SecretStore } from "./secret-store.ts";

/** `node.age` or `project-<name>.age`, the name under protocol's project-name rule. */
const storedBundleName = new RegExp(`^(?:node|project-(${projectNamePattern.source.replace(/^\^|\$$/g, "")}))\\.age$`);

/** What the stored bundles need from the broker. */
export interface StoredBundlesDeps {
  stateDir: string;
  store: SecretStore;
  key: () => Promise<DecryptionKey>;
  audit(event: AuditEvent, fields: AuditFields): void;
  now(): Date;
  /** Called in the same synchronous step as a swap: caches hold the store's Buffers, which the swap zero-fills. */
  changed(project: string | undefined): void;
}

/**
 * The pushed bundles: each is decrypted and checked in memory, stored still encrypted
 * (temp → fsync → rename → dir fsync), and only then swapped into the store. The caller
 * runs these one at a time (its admin Serial).
 */
export class StoredBundles {
  constructor(private readonly deps: StoredBundlesDeps) {}

  /**
   * Decrypts the bundles stored by earlier pushes, so a restart serves without a new push.
   * A project bundle whose project is no longer registered is destroyed: the name may be
   * registered again for another folder, which must not inherit its secrets.
   */
  async load(registered: ReadonlySet<string>, warnings: string[]): Promise<void> {
    const dir = dirname(bundleFile(this.deps.stateDir));
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = storedBundleName.exec(name);
      if (m === null) continue;
      const project = m[1];
      const file = join(dir, name);
      if (project !== undefined && !registered.has(project)) {
        await destroyFile(file).catch(() => { warnings.push(`The stored bundle ${file} belongs to no registered project and could not be removed. Remove it by hand.`); });
        continue;
      }
      try {
        const data = await readOptionalFile(file);
        if (data === undefined) continue;
        const secrets = await decryptBundle(data, await this.deps.key());
        const { mtime } = await stat(file);
        this.deps.store.replace(project, { secrets, loadedAt: mtime });
      } catch (e) {
        warnings.push(`The stored bundle ${file} could not be loaded (${e instanceof RemoError ? e.code : "read error"}): ${e instanceof RemoError ? e.message : (e as Error).message} Push the secrets again.`);
      }
    }
  }

  /** push-creds: a bad push changes nothing; a good one is durable before memory switches. */
  async push(ciphertext: Uint8Array, project: string | undefined): Promise<{ loaded_at: string; secret_count: number }> {
    const scope = project === undefined ? {} : { project };
    let secrets;
    try {
      if (ciphertext.length === 0) throw new RemoError("invalid_payload", "The ciphertext is empty. Pipe an age-encrypted bundle to `remo-broker admin push-creds`.");
      secrets = await decryptBundle(ciphertext, await this.deps.key());
    } catch (e) {
      if (e instanceof RemoError) this.deps.audit("secrets.pushed", { ...scope, outcome: e.code === "decrypt_failed" ? "decrypt_failed" : "invalid_payload", detail: e.message });
      throw e;
    }
    try {
      await writeFileAtomic(bundleFile(this.deps.stateDir, project), ciphertext);
    } catch (e) {
      for (const v of secrets.values()) v.fill(0);
      const err = storageError(e, "the bundle");
      this.deps.audit("secrets.pushed", { ...scope, outcome: "storage_failed", detail: err.message });
      throw err;
    }
    const loadedAt = this.deps.now();
    this.deps.store.replace(project, { secrets, loadedAt });
    this.deps.changed(project);
    this.deps.audit("secrets.pushed", { ...scope, outcome: "ok", secret_count: secrets.size });
    return { loaded_at: formatTimestamp(loadedAt), secret_count: secrets.size };
  }

  /** clear-creds: memory first (zero-filled), then the file is overwritten with zeros and unlinked. */
  async clear(project: string | undefined): Promise<void> {
    this.deps.store.clear(project);
    this.deps.changed(project);
    const file = bundleFile(this.deps.stateDir, project);
    try {
      await destroyFile(file);
    } catch (e) {
      throw new RemoError("storage_failed", `The secrets were cleared from memory, but the stored bundle could not be removed (${(e as NodeJS.ErrnoException).code ?? "error"}); it will be loaded again at the next start. Remove ${file} by hand.`);
    }
  }
}

/** The wire error for a state file the broker could not write. */
export function storageError(e: unknown, what: string): RemoError {
  return new RemoError("storage_failed", `The broker could not write ${what} (${(e as NodeJS.ErrnoException).code ?? "error"}); nothing was changed. Check free space and permissions of the state directory.`);
}
