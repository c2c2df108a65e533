// Small helpers shared by the fault tests: generation-tagged bundles and "which bundle is
// being served" checks, tmpfs mounts for disk-full/read-only faults, and waiting on signals.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { makeBundle } from "../../scripts/reliability-soak.mjs";
import { requestLines } from "../helpers/broker-process.ts";

/** Bundle generation `gen` for `names` (values are self-describing, see reliability-soak.mjs). */
export function bundle(gen: number, names: readonly string[]): Record<string, string> {
  return makeBundle(gen, [...names]);
}

/**
 * Gets every name on one connection and says which generation is being served: a number
 * when every value is exactly that generation's, else a description of what is wrong.
 */
export async function servedGeneration(socketPath: string, names: readonly string[], bundles: Map<number, Record<string, string>>): Promise<number | string> {
  const replies = await requestLines(socketPath, names.map((name) => JSON.stringify({ op: "get", name })));
  const gens = new Set<number>();
  for (const [i, name] of names.entries()) {
    const r = replies[i];
    if (r?.ok !== true || typeof r.value !== "string") return `get ${name}: ${JSON.stringify(r ?? "no reply")}`;
    const m = /^g(\d+)\./.exec(r.value);
    const gen = m ? Number(m[1]) : -1;
    if (bundles.get(gen)?.[name] !== r.value) return `get ${name}: a value that is not generation ${gen}'s (corrupt)`;
    gens.add(gen);
  }
  return gens.size === 1 ? [...gens][0]! : `a mix of generations ${[...gens].join(", ")}`;
}

/** Why tmpfs mounts cannot be made here, or undefined. */
export function mountUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root";
  return undefined;
}

/** Mounts a tmpfs of `sizeKiB` at `dir` (created); returns remount/unmount controls. */
export function mountTmpfs(dir: string, sizeKiB: number, opts: { readOnly?: boolean } = {}): { readOnly(ro: boolean): void; unmount(): void } {
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0755${opts.readOnly ? ",ro" : ""}`, "tmpfs", dir]);
  let mounted = true;
  return {
    readOnly: (ro) => { execFileSync("mount", ["-o", `remount,${ro ? "ro" : "rw"}`, dir]); },
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      // Lazy: a process killed mid-test may still hold a file there.
      execFileSync("umount", ["-l", dir]);
    },
  };
}

/** Polls `cond` every 25 ms until it holds; fails after `timeoutMs` naming what it waited for. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
