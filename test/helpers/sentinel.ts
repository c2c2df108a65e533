import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { listFiles } from "./list-files.ts";

/**
 * A unique, recognisable secret value. Tests push it through the system and then
 * scan every log, audit file, stderr capture and /proc snapshot for it.
 */
export function makeSentinel(label = "SENTINEL"): string {
  return `${label}_${randomBytes(12).toString("hex")}`;
}

/** Every place (file path or label) in `sources` whose text contains `needle`. */
export function findLeaks(needle: string, sources: Record<string, string>): string[] {
  return Object.entries(sources).filter(([, text]) => text.includes(needle)).map(([where]) => where);
}

/** Reads every regular file under `dir` (recursively, up to 16 MiB each) as labelled text for {@link findLeaks}. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { path, stat } of listFiles(dir)) {
    if (stat.isFile() && stat.size < 16 * 1024 * 1024) out[path] = readFileSync(path, "latin1");
  }
  return out;
}

/** Snapshots /proc/<pid>/cmdline and /proc/<pid>/environ of every process we can read. */
export function snapshotProcesses(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    for (const f of ["cmdline", "environ"]) {
      try {
        out[`/proc/${pid}/${f}`] = readFileSync(`/proc/${pid}/${f}`, "latin1");
      } catch {
        // the process exited, or it is not ours to read
      }
    }
  }
  return out;
}
