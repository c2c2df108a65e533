import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { brokerCacheDefaults, manifestLimits } from "#protocol";
import { Broker } from "../daemon.ts";
import { KeyLoadError, loadKey } from "../key-source.ts";
import { createLogger } from "../log.ts";
import { defaultPaths } from "../paths.ts";
import { addonCandidates, loadPeerCredentials } from "../peer-credentials.ts";
import { defaultAuditMaxBytes } from "../audit-files.ts";
import { defaultConnectionLimits } from "../connection.ts";
import { defaultMaxConnectionsPerPeer } from "../project-socket.ts";
import { defaultRateLimit, projectLimitFor } from "../rate-limiter.ts";
import { flag, numberFlag, parseArgs } from "./args.ts";
import type { CliIo } from "./io.ts";

/**
 * `remo-broker serve [--runtime-dir DIR] [--state-dir DIR] [--audit-file FILE] [--identity FILE]
 * [--rate-limit N] [--rate-burst N] [--project-rate-limit N] [--project-rate-burst N] [--cache-ttl S]
 * [--cache-max-entries N] [--audit-max-bytes N] [--max-connections-per-peer N]`. The rate flags set the per-peer bucket; the project bucket defaults to
 * a multiple of it. `--test-partial-line-ms` / `--test-idle-ms` shorten the connection timeouts
 * for tests only and are not documented to users. Resolves when the broker has
 * stopped after SIGTERM/SIGINT (exit 0), or returns 1 when it cannot start.
 */
export async function runServe(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["runtime-dir", "state-dir", "audit-file", "identity", "rate-limit", "rate-burst",
    "project-rate-limit", "project-rate-burst", "cache-ttl", "cache-max-entries", "test-partial-line-ms", "test-idle-ms", "audit-max-bytes", "max-connections-per-peer"] });
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
  const peers = loadPeerCredentials(addonCandidates(io.env, process.argv[1]));
  let broker: Broker;
  try {
    broker = await Broker.start({ paths, key, rateLimit, connectionLimits, auditMaxBytes, maxConnectionsPerPeer, cacheDefaults, peers, logger });
  } catch (e) {
    io.stderr(`remo-broker: cannot start: ${(e as Error).message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      logger.info(`${sig}: draining connections and stopping`);
      resolve();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  await broker.stop();
  logger.info("stopped");
  return 0;
}
