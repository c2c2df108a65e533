import { existsSync, readdirSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";

/**
 * Every entry under `dir` that is not a directory (files, and devices such as overlayfs
 * whiteouts), recursively, with its stat (symlinks followed, as `stat` does); `[]` when `dir`
 * does not exist. An entry that vanishes mid-walk, or a dangling symlink, is skipped.
 */
export function listFiles(dir: string): { path: string; stat: Stats }[] {
  const out: { path: string; stat: Stats }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(path);
      else out.push({ path, stat });
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}
