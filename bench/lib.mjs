// Helpers every benchmark shares.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The median of a list of numbers (the upper one for an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a process to completion: resolves its wall time and stdout, rejects (with its stderr tail) on a non-zero exit. */
export function timeProcess(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
    let out = "";
    let err = "";
    c.stdout.on("data", (d) => { out += d; });
    c.stderr.on("data", (d) => { err += d; });
    c.on("error", reject);
    c.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err.trim().slice(-600)}`));
      else resolve({ ms, out });
    });
  });
}

/**
 * Starts dist/remo-broker.js on ctx.tmp (fresh key, generous rate limits) and resolves once
 * it serves; `admin(args, input?)` runs one admin op and throws when it fails.
 */
export async function startBroker(ctx) {
  const broker = join(ctx.dist, "remo-broker.js");
  const dir = ctx.tmp;
  const runtimeDir = join(dir, "run");
  const identity = join(dir, "key");
  const keygen = spawnSync(process.execPath, [broker, "keygen", "--out", identity], { encoding: "utf8" });
  if (keygen.status !== 0) throw new Error(`keygen failed: ${keygen.stderr}`);
  const recipient = /age1[0-9a-z]+/.exec(keygen.stdout + readFileSync(identity, "utf8"))?.[0];
  const child = spawn(process.execPath, [broker, "serve", "--unsafe-paths", "--runtime-dir", runtimeDir, "--state-dir", join(dir, "state"), "--audit-file", join(dir, "audit.jsonl"), "--identity", identity, "--rate-limit", "100000", "--rate-burst", "100000"], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise((resolve, reject) => {
    let seen = "";
    const on = (d) => { seen += d; if (seen.includes("serving:")) resolve(); };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
    child.once("exit", (c) => reject(new Error(`broker exited ${c}: ${seen}`)));
  });
  const admin = (args, input) => {
    const r = spawnSync(process.execPath, [broker, "admin", "--runtime-dir", runtimeDir, ...args], { input, encoding: input === undefined ? "utf8" : undefined });
    if (r.status !== 0) throw new Error(`admin ${args[0]} failed: ${r.stderr}`);
  };
  return { child, runtimeDir, recipient, admin };
}
