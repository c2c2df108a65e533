import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

let stageDir: string | undefined;

/**
 * A copy of `file` that any user can read, for tests that run a program as another UID
 * (e.g. 65534). The checkout may sit under a 0700 folder (a private home, `mktemp -d`), where
 * that user cannot even open dist/. Files land flat in one world-readable temp folder per test
 * process, so siblings a bundle loads from its own folder (dist/peercred.node) come along when
 * they are staged too. Removed with the OS temp dir; the copies hold no secret.
 */
export function readableCopy(file: string, ...siblings: string[]): string {
  if (stageDir === undefined) {
    stageDir = mkdtempSync(join(tmpdir(), "remo-readable-"));
    chmodSync(stageDir, 0o755);
  }
  mkdirSync(stageDir, { recursive: true });
  for (const f of [file, ...siblings]) {
    if (!existsSync(f)) continue;
    const to = join(stageDir, basename(f));
    copyFileSync(f, to);
    chmodSync(to, 0o755);
  }
  return join(stageDir, basename(file));
}
