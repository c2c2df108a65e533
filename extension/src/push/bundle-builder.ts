// Collects the values of a project's allowlisted secrets. Only names on the allowlist are ever asked for.
import { secretNamePattern } from "#protocol";

/**
 * Looks up each allowlisted name (once, in order) and returns the values found and the
 * names with no value. Never asks `lookup` for a name off the allowlist, so a
 * repository cannot make the laptop send a secret its manifest does not name.
 * Invalid names are skipped as missing (the manifest validator reports them).
 */
export async function buildBundle(allowlist: readonly string[], lookup: (name: string) => Promise<string | undefined>): Promise<{ secrets: Map<string, string>; missing: string[] }> {
  const secrets = new Map<string, string>();
  const missing: string[] = [];
  for (const name of new Set(allowlist)) {
    if (!secretNamePattern.test(name)) {
      missing.push(name);
      continue;
    }
    const value = await lookup(name);
    if (value === undefined || value === "") missing.push(name);
    else secrets.set(name, value);
  }
  return { secrets, missing };
}
