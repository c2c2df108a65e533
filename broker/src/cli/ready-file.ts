import { constants } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * `<runtime-dir>/ready` holds the PID of the broker that has restored every registered project.
 * Node cannot send sd_notify's datagram, so the unit's ExecStartPost= waits for this file to name
 * $MAINPID: `systemctl start`, and the container engines ordered after the unit, then wait until
 * every project's socket is back. A file left by an earlier broker names another PID, so it never
 * counts. It lives in the runtime directory's root, which containers do not mount.
 */
export function readyFile(runtimeDir: string): string {
  return join(runtimeDir, "ready");
}

/** Writes the ready file for this process: temp file (never following a link), then rename. */
export async function markReady(runtimeDir: string, pid = process.pid): Promise<void> {
  const temp = join(runtimeDir, `.ready-${String(pid)}`);
  await rm(temp, { force: true });
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(`${String(pid)}\n`);
  } finally {
    await handle.close();
  }
  await rename(temp, readyFile(runtimeDir));
}

/** Removes the ready file when the broker stops (best effort: a stale one names a dead PID anyway). */
export async function clearReady(runtimeDir: string): Promise<void> {
  await rm(readyFile(runtimeDir), { force: true }).catch(() => undefined);
}
