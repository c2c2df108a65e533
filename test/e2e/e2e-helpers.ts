// Pieces of the end-to-end loop that are about observing it, not driving it: a /proc
// sampler for leak scans while something runs, a hash so checks never print a value,
// and the "container" (the feature installed by its install.sh in a Debian chroot that
// sees only the project socket at the path the synthesized mount gives it).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunResult, Sandbox } from "../feature/debian-root.ts";
import { featureDir, hostNode } from "../feature/feature-sandbox.ts";
import { snapshotProcesses } from "../helpers/sentinel.ts";

/** sha256 hex of a value: containers print this instead of the value itself. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Snapshots /proc/<pid>/cmdline and environ every `intervalMs` while `fn` runs and records
 * where any of `needles` appeared (the sampled text itself is not kept).
 * `exempt(where, text)` skips processes that hold a value by design.
 */
export async function sampleProcsDuring<T>(needles: string[], fn: () => Promise<T>, opts: { intervalMs?: number; exempt?: (where: string, text: string) => boolean } = {}): Promise<{ result: T; hits: string[]; snapshots: number }> {
  const hits = new Set<string>();
  let snapshots = 0;
  let running = true;
  const sample = (): void => {
    snapshots++;
    for (const [where, text] of Object.entries(snapshotProcesses())) {
      if (opts.exempt?.(where, text) === true) continue;
      for (const n of needles) if (text.includes(n)) hits.add(where);
    }
  };
  const loop = (async () => {
    while (running) {
      sample();
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 15));
    }
  })();
  try {
    const result = await fn();
    return { result, hits: [...hits], snapshots };
  } finally {
    running = false;
    await loop;
    sample();
  }
}

/** containerEnv of the feature, as a dev container runtime would set it. */
export function featureContainerEnv(): Record<string, string> {
  const meta = JSON.parse(readFileSync(join(featureDir, "devcontainer-feature.json"), "utf8")) as { containerEnv?: Record<string, string> };
  return meta.containerEnv ?? {};
}

/** Parses `source=…,target=…,type=bind` (or the object form) into its parts. */
export function parseMount(m: unknown): { source: string; target: string; type: string } | undefined {
  if (typeof m === "string") {
    const kv = Object.fromEntries(m.split(",").map((p) => p.split("=", 2) as [string, string]));
    return kv.source !== undefined && kv.target !== undefined ? { source: kv.source, target: kv.target, type: kv.type ?? "" } : undefined;
  }
  if (typeof m === "object" && m !== null) {
    const o = m as Record<string, unknown>;
    return typeof o.source === "string" && typeof o.target === "string" ? { source: o.source, target: o.target, type: typeof o.type === "string" ? o.type : "" } : undefined;
  }
  return undefined;
}

/** A container: runs `script` in the sandbox with only the project's socket directory bind-mounted at `target`, and the feature's containerEnv. */
export function inContainer(sandbox: Sandbox, socketDir: string, target: string, script: string, env: Record<string, string> = {}): Promise<RunResult> {
  return sandbox.run(script, { env: { ...featureContainerEnv(), ...env }, binds: [hostNode, { from: socketDir, to: target }], timeoutMs: 120_000 });
}
