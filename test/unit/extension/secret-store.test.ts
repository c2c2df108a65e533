import { describe, expect, it } from "vitest";
import { SecretStore, type SecretStoreHost } from "../../../extension/src/secrets/secret-store.ts";
import { parseSecretSources } from "../../../extension/src/secrets/secret-sources.ts";

/** In-memory SecretStorage + Memento with SecretStorage's change events. */
function host(): SecretStoreHost & { values: Map<string, string> } {
  const values = new Map<string, string>();
  const state = new Map<string, unknown>();
  const listeners = new Set<(e: { key: string }) => void>();
  const fire = (key: string): void => { for (const l of listeners) l({ key }); };
  return {
    values,
    secrets: {
      get: (k: string) => Promise.resolve(values.get(k)),
      store: (k: string, v: string) => { values.set(k, v); fire(k); return Promise.resolve(); },
      delete: (k: string) => { values.delete(k); fire(k); return Promise.resolve(); },
      onDidChange: (l: (e: { key: string }) => void) => { listeners.add(l); return { dispose: () => listeners.delete(l) }; },
    },
    globalState: {
      get: (k: string, d?: unknown) => (state.has(k) ? state.get(k) : d),
      update: (k: string, v: unknown) => { state.set(k, v); return Promise.resolve(); },
    },
  };
}

describe("SecretStore", () => {
  const noRun = (): Promise<{ stdout: string }> => Promise.reject(new Error("no commands in this test"));

  it("stores values under a namespaced key, indexes names, and reads them back", async () => {
    const h = host();
    const s = new SecretStore(h, () => parseSecretSources(undefined), { env: {}, run: noRun, timeoutMs: () => 100 });
    await s.set("B", "vb");
    await s.set("A", "va");
    expect([...h.values.keys()].sort()).toEqual(["remo.secret.A", "remo.secret.B"]);
    expect(s.storedNames()).toEqual(["A", "B"]);
    await expect(s.get("A")).resolves.toBe("va");
    await expect(s.get("C")).resolves.toBeUndefined();
    expect(await s.delete("A")).toBe(true);
    expect(await s.delete("A")).toBe(false);
    expect(s.storedNames()).toEqual(["B"]);
  });

  it("prefers a stored value over a configured source, and falls back to the source", async () => {
    const s = new SecretStore(host(), () => parseSecretSources({ A: { env: "VA" }, B: { env: "VB" } }), { env: { VA: "from-env-a", VB: "from-env-b" }, run: noRun, timeoutMs: () => 100 });
    await s.set("A", "stored");
    await expect(s.get("A")).resolves.toBe("stored");
    await expect(s.get("B")).resolves.toBe("from-env-b");
  });

  it("reports names and whether a value is set, never values, with last fetch times", async () => {
    const s = new SecretStore(host(), () => parseSecretSources({ E: { env: "UNSET" }, C: { command: ["gh", "auth", "token"] } }), { env: {}, run: noRun, timeoutMs: () => 100 });
    await s.set("S", "secret-value");
    const states = s.states(new Map([["S", "2026-01-01T00:00:00.000Z"], ["ONLY_FETCHED", "2026-01-02T00:00:00.000Z"]]));
    expect(states).toEqual([
      { name: "C", hasValue: true },
      { name: "E", hasValue: false },
      { name: "S", hasValue: true, lastFetchedAt: "2026-01-01T00:00:00.000Z" },
      { name: "ONLY_FETCHED", hasValue: false, lastFetchedAt: "2026-01-02T00:00:00.000Z" },
    ]);
    expect(JSON.stringify(states)).not.toContain("secret-value");
  });

  it("tells listeners when a value changes", async () => {
    const s = new SecretStore(host(), () => parseSecretSources(undefined), { env: {}, run: noRun, timeoutMs: () => 100 });
    let n = 0;
    const sub = s.onDidChange(() => { n++; });
    await s.set("A", "1");
    const afterSet = n;
    sub.dispose();
    await s.set("A", "2");
    expect(afterSet).toBeGreaterThan(0);
    expect(n).toBe(afterSet);
  });
});
