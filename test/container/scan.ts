import { spawn } from "node:child_process";
import { podmanEnv } from "../helpers/podman.ts";

/**
 * Streams `podman <args>` (an export or image save: a tar of a whole filesystem) and
 * says whether `needle` occurs anywhere in its bytes, without holding the tar in memory.
 * A chunk boundary cannot hide it: each chunk is searched together with the tail of the last.
 */
export function podmanOutputContains(args: string[], needle: string, timeoutMs = 300_000): Promise<boolean> {
  const want = Buffer.from(needle, "utf8");
  return new Promise((resolve, reject) => {
    const child = spawn("podman", args, { env: podmanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let tail = Buffer.alloc(0);
    let found = false;
    let stderr = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      if (found) return;
      const joined = Buffer.concat([tail, chunk]);
      if (joined.includes(want)) found = true;
      tail = joined.subarray(Math.max(0, joined.length - want.length + 1));
    });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code !== 0 && !found) reject(new Error(`podman ${args.join(" ")} failed (${String(code)}): ${stderr.slice(-1000)}`));
      else resolve(found);
    });
  });
}

/** A comparison that never prints the value: "equal" or what differs in shape. */
export function sameSecret(actual: string, expected: string): string {
  if (actual === expected) return "equal";
  return `differs (got ${String(actual.length)} characters${actual.includes(expected) ? ", containing the value" : ""})`;
}
