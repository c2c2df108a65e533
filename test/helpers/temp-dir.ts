import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Makes a fresh temp directory; `cleanup()` removes it (call it in afterEach/afterAll). */
export function makeTempDir(prefix = "remo-test-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => { rmSync(path, { recursive: true, force: true }); } };
}
