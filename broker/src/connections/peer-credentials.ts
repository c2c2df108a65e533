import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Socket } from "node:net";

/** The process at the other end of a Unix socket, as the kernel recorded it at connect(). */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** Reads SO_PEERCRED for a connected socket, or explains why it cannot. */
export type PeerCredentialReader = (socket: Socket) => PeerCredentials | undefined;

interface Addon {
  peerCredentials(fd: number): PeerCredentials;
  /** prctl(PR_SET_DUMPABLE, 0) + setrlimit(RLIMIT_CORE, 0); throws when either fails. Absent in an older build. */
  hardenProcess?: () => void;
}

/** Where the addon is expected: $REMO_PEERCRED_ADDON, else peercred.node next to the running script. */
export function addonCandidates(env: NodeJS.ProcessEnv, script: string | undefined): string[] {
  const out: string[] = [];
  if (env.REMO_PEERCRED_ADDON !== undefined && env.REMO_PEERCRED_ADDON !== "") out.push(env.REMO_PEERCRED_ADDON);
  if (script !== undefined) {
    let real = script;
    try {
      real = realpathSync(script);
    } catch {
      // keep the given path
    }
    out.push(join(dirname(real), "peercred.node"));
  }
  return out;
}

/** The loaded SO_PEERCRED reader, or the reason it is unavailable (reported in status). */
export type PeerCredentialSupport = { ok: true; read: PeerCredentialReader; path: string; harden: () => string | undefined } | { ok: false; reason: string };

/**
 * Makes the process non-dumpable and sets RLIMIT_CORE to 0 through the addon (Node has no API
 * for either). Returns a warning for status when it cannot; the unit's LimitCORE=0 still applies.
 */
export function hardenProcess(support: PeerCredentialSupport): string | undefined {
  if (!support.ok) return `The broker could not make itself non-dumpable (PR_SET_DUMPABLE 0, RLIMIT_CORE 0): ${support.reason}. A core dump could hold decrypted secrets.`;
  return support.harden();
}

/**
 * Loads the tiny N-API addon (broker/native/peercred.c) that calls getsockopt(SO_PEERCRED):
 * Node's net module has no API for it. Returns a reason instead of throwing, so the
 * broker still serves projects that do not set peer_uids.
 */
export function loadPeerCredentials(candidates: readonly string[]): PeerCredentialSupport {
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    try {
      // createRequire: the bundle is CJS but tests run this module as ESM; an absolute path loads the same either way.
      const addon = createRequire(path)(path) as Addon;
      return { ok: true, path, read: (socket) => readWith(addon, socket), harden: () => hardenWith(addon, path) };
    } catch (e) {
      return { ok: false, reason: `cannot load ${path} (${(e as Error).message.split("\n")[0] ?? "error"}); rebuild it with: node broker/native/build.mjs` };
    }
  }
  return { ok: false, reason: `peercred.node not found (looked in ${candidates.join(", ")}); build it with \`npm run build\` (needs a C compiler and Node's headers)` };
}

function hardenWith(addon: Addon, path: string): string | undefined {
  if (addon.hardenProcess === undefined) return `The broker could not make itself non-dumpable: ${path} is an older build without hardenProcess; rebuild it with: node broker/native/build.mjs. A core dump could hold decrypted secrets.`;
  try {
    addon.hardenProcess();
    return undefined;
  } catch (e) {
    return `The broker could not make itself non-dumpable (${(e as Error).message}). A core dump could hold decrypted secrets.`;
  }
}

function readWith(addon: Addon, socket: Socket): PeerCredentials | undefined {
  // libuv's pipe handle exposes its fd on Unix; it is not in Node's typings.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) return undefined;
  try {
    return addon.peerCredentials(fd);
  } catch {
    return undefined;
  }
}
