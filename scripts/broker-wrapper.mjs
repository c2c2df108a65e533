// `remo-broker` as installed on a node, pointed at a test broker: shared by the test
// helpers (test/helpers/sshd.ts) and the benchmarks, which cannot import TypeScript.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes `<dir>/bin/remo-broker`: runs the built broker CLI against a test broker's runtime
 * directory and audit file, as the installed `remo-broker` would against the defaults.
 */
export function writeBrokerWrapper(dir, broker, brokerJs) {
  mkdirSync(join(dir, "bin"), { recursive: true });
  const path = join(dir, "bin", "remo-broker");
  const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  writeFileSync(path, [
    "#!/bin/sh",
    "cmd=\"$1\"; [ $# -gt 0 ] && shift",
    "case \"$cmd\" in",
    `  admin) exec ${q(process.execPath)} ${q(brokerJs)} admin --runtime-dir ${q(broker.runtimeDir)} "$@" ;;`,
    `  audit) exec ${q(process.execPath)} ${q(brokerJs)} audit --audit-file ${q(broker.auditFile)} "$@" ;;`,
    `  *) exec ${q(process.execPath)} ${q(brokerJs)} "$cmd" "$@" ;;`,
    "esac",
    "",
  ].join("\n"), { mode: 0o755 });
  return path;
}
