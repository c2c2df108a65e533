import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { brokerCacheDefaults, manifestLimits } from "#protocol";
import { Broker } from "../daemon.ts";
import { KeyLoadError, loadKey } from "../secrets/key-source.ts";
import { createLogger } from "../log.ts";
import { defaultPaths } from "../files/paths.ts";
import { addonCandidates, hardenProcess, loadPeerCredentials } from "../connections/peer-credentials.ts";
import { defaultAuditMaxBytes } from "../audit/audit-files.ts";
import { defaultConnectionLimits } from "../connections/connection.ts";
import { defaultMaxConnectionsPerPeer } from "../sockets/project-socket.ts";
import { defaultRateLimit, projectLimitFor } from "../connections/rate-limiter.ts";
import { flag, numberFlag, parseArgs, type ParsedArgs } from "./args.ts";
import type { CliIo } from "./io.ts";
import { clearReady, markReady, readyFile } from "./ready-file.ts";
import { checkServePaths } from "./serve-path-policy.ts";

function resolvedFlag(args: ParsedArgs, name: string): string | undefined {
  const v = flag(args, name);
  return v === undefined ? undefined : resolve(v);
}

function readOwnCgroup(): string | undefined {
  try {
    return readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return undefined;
  }
}

/**
 * `remo-broker serve [--runtime-dir DIR] [--state-dir DIR] [--audit-file FILE] [--identity FILE]
 * [--rate-limit N] [--rate-burst N] [--project-rate-limit N] [--project-rate-burst N] [--cache-ttl S]
 * [--cache-max-entries N] [--audit-max-bytes N] [--max-connections-per-peer N] [--unsafe-paths]`. The rate flags set the per-peer bucket; the project
 * bucket defaults to a multiple of it. `--test-partial-line-ms` / `--test-idle-ms` shorten the connection timeouts
 * for tests only and are not documented to users. Resolves when the broker has stopped after SIGTERM/SIGINT (exit 0), returns 1 when it cannot start, and 2 when it is pointed at
 * other than its default paths outside its systemd unit without `--unsafe-paths`.
 */
export async function runServe(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["runtime-dir", "state-dir", "audit-file", "identity", "rate-limit", "rate-burst",
    "project-rate-limit", "project-rate-burst", "cache-ttl", "cache-max-entries", "test-partial-line-ms", "test-idle-ms", "audit-max-bytes", "max-connections-per-peer"], booleans: ["unsafe-paths"] });
  const refusal = checkServePaths(
    { runtimeDir: resolvedFlag(args, "runtime-dir"), stateDir: resolvedFlag(args, "state-dir"), auditFile: resolvedFlag(args, "audit-file"), identity: flag(args, "identity"), credentialsDirectory: io.env.CREDENTIALS_DIRECTORY },
    defaultPaths,
    { unsafePaths: args.booleans.has("unsafe-paths"), cgroup: readOwnCgroup(), env: io.env },
  );
  if (refusal !== null) {
    io.stderr(`remo-broker serve: ${refusal.message}\n`);
    return 2;
  }
  const logger = createLogger();
  // Absolute paths: socket_path answers and the registry must not depend on the cwd.
  const stateDir = resolve(flag(args, "state-dir") ?? defaultPaths.stateDir);
  const paths = {
    runtimeDir: resolve(flag(args, "runtime-dir") ?? defaultPaths.runtimeDir),
    stateDir,
    auditFile: resolve(flag(args, "audit-file") ?? defaultPaths.auditFile),
  };
  const peerLimit = { perSecond: numberFlag(args, "rate-limit", defaultRateLimit.perSecond, { min: 0.001 }), burst: numberFlag(args, "rate-burst", defaultRateLimit.burst, { integer: true, min: 1 }) };
  const projectDefault = projectLimitFor(peerLimit);
  const rateLimit = {
    peer: peerLimit,
    project: { perSecond: numberFlag(args, "project-rate-limit", projectDefault.perSecond, { min: 0.001 }), burst: numberFlag(args, "project-rate-burst", projectDefault.burst, { integer: true, min: 1 }) },
  };
  const connectionLimits = {
    ...defaultConnectionLimits,
    partialLineMs: numberFlag(args, "test-partial-line-ms", defaultConnectionLimits.partialLineMs, { integer: true, min: 1 }),
    idleMs: numberFlag(args, "test-idle-ms", defaultConnectionLimits.idleMs, { integer: true, min: 1 }),
  };
  const cacheDefaults = {
    ttlSeconds: Math.min(numberFlag(args, "cache-ttl", brokerCacheDefaults.ttlSeconds, { integer: true, min: 1 }), manifestLimits.ttlSeconds.max),
    maxEntries: Math.min(numberFlag(args, "cache-max-entries", brokerCacheDefaults.maxEntries, { integer: true, min: 1 }), manifestLimits.maxEntries.max),
  };
  const auditMaxBytes = numberFlag(args, "audit-max-bytes", defaultAuditMaxBytes, { integer: true, min: 4096 });
  const peers = loadPeerCredentials(addonCandidates(io.env, process.argv[1]));
  // Before the key is read or any secret decrypted: no core dump, no same-UID ptrace or /proc/<pid>/mem reads.
  const hardeningWarning = hardenProcess(peers);
  const maxConnectionsPerPeer = numberFlag(args, "max-connections-per-peer", defaultMaxConnectionsPerPeer, { integer: true, min: 1 });
  let key;
  try {
    key = await loadKey({ identityFlag: flag(args, "identity"), credentialsDirectory: io.env.CREDENTIALS_DIRECTORY, declaredSource: io.env.REMO_KEY_SOURCE, stateDir }, existsSync);
  } catch (e) {
    if (e instanceof KeyLoadError) {
      io.stderr(`remo-broker: cannot start: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  // Sockets and files are private until chmod/chown opens exactly what is meant to be open.
  process.umask(0o077);
  // Listening before start: a SIGTERM that arrives just as the broker reports ready must drain, not kill it.
  const stopRequested = new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      logger.info(`${sig}: draining connections and stopping`);
      resolve();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  let broker: Broker;
  try {
    broker = await Broker.start({ now: () => new Date(), paths, key, rateLimit, connectionLimits, auditMaxBytes, maxConnectionsPerPeer, cacheDefaults, peers, logger, ...(hardeningWarning === undefined ? {} : { warnings: [hardeningWarning] }) });
  } catch (e) {
    io.stderr(`remo-broker: cannot start: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    await markReady(paths.runtimeDir);
  } catch (e) {
    logger.warn(`could not write ${readyFile(paths.runtimeDir)} (${(e as Error).message}); the unit's start waits for it`);
  }
  await stopRequested;
  await clearReady(paths.runtimeDir);
  await broker.stop();
  logger.info("stopped");
  return 0;
}
