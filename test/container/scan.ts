import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { podmanEnv } from "../helpers/podman.ts";
import { runProcess } from "../helpers/run-process.ts";

/**
 * Runs `podman <args> -o <temp file>` (an export or image save: a tar of a whole
 * filesystem) and says whether `needle` occurs anywhere in its bytes, reading the file as
 * a stream (podman cannot write a tar to a pipe here). A chunk boundary cannot hide it:
 * each chunk is searched together with the tail of the one before.
 */
export async function podmanOutputContains(args: string[], needle: string, timeoutMs = 300_000): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "remo-scan-"));
  const file = join(dir, "out.tar");
  try {
    const r = await runProcess("podman", [...args, "-o", file], { env: podmanEnv(), timeoutMs });
    if (r.code !== 0) throw new Error(`podman ${args.join(" ")} failed (${String(r.code)}): ${r.stderr.slice(-1000)}`);
    const want = Buffer.from(needle, "utf8");
    let tail = Buffer.alloc(0);
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const joined = Buffer.concat([tail, chunk as Buffer]);
      if (joined.includes(want)) return true;
      tail = joined.subarray(Math.max(0, joined.length - want.length + 1));
    }
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A comparison that never prints the value: "equal" or what differs in shape. */
export function sameSecret(actual: string, expected: string): string {
  if (actual === expected) return "equal";
  return `differs (got ${String(actual.length)} characters${actual.includes(expected) ? ", containing the value" : ""})`;
}
