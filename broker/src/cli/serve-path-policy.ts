// Which paths `remo-broker serve` may be pointed at. The daemon runs as root and writes its
// runtime, state and audit paths and reads its identity as root, so whoever can start it with
// arbitrary paths can make root create, append to or chmod any file. Outside its systemd unit it
// therefore takes only its default paths, unless the caller says `--unsafe-paths` (tests, demos,
// development), and even that is refused when the caller is a non-root user going through sudo.

/** The path inputs of `serve`: flags, and the credentials directory systemd hands over. */
export interface ServePathInputs {
  runtimeDir?: string | undefined;
  stateDir?: string | undefined;
  auditFile?: string | undefined;
  identity?: string | undefined;
  credentialsDirectory?: string | undefined;
}

/** The defaults each path input is compared with. */
export interface ServeDefaults {
  runtimeDir: string;
  stateDir: string;
  auditFile: string;
}

/** What the policy needs to know about the process (read by the caller, so this stays pure). */
export interface ServeContext {
  /** `--unsafe-paths` was given. */
  unsafePaths: boolean;
  /** The contents of /proc/self/cgroup, or undefined when it cannot be read. */
  cgroup: string | undefined;
  env: Record<string, string | undefined>;
}

/**
 * The systemd service the process runs in, or undefined when it is not the process of a
 * system service. The cgroup is set by PID 1 when it starts the service, and an unprivileged
 * user cannot move a process into a system service's cgroup, so unlike an environment variable
 * it cannot be faked through sudo. A user's own services (under user@UID.service) and
 * sessions (user.slice, *.scope) do not count. Cgroup v2 (`0::`) and hybrid hierarchies
 * (`name=systemd`) both name the unit.
 */
export function systemServiceOf(cgroup: string | undefined): string | undefined {
  if (cgroup === undefined) return undefined;
  const lines = cgroup.split("\n");
  const line = lines.find((l) => l.includes(":name=systemd:")) ?? lines.find((l) => l.startsWith("0::"));
  const path = line?.slice(line.indexOf(":", line.indexOf(":") + 1) + 1);
  if (path === undefined) return undefined;
  const segments = path.split("/").filter((s) => s !== "");
  const unit = segments.at(-1);
  if (unit?.endsWith(".service") !== true) return undefined;
  // Anything above it that is a service or a user slice means a user's service manager placed it.
  if (segments.slice(0, -1).some((s) => s.endsWith(".service") || s === "user.slice" || s.startsWith("user-"))) return undefined;
  return unit;
}

/**
 * The UID of the non-root user who reached root through sudo, or undefined. sudo sets SUDO_UID
 * itself after resetting the environment, so the user it ran for cannot clear or fake it.
 */
export function sudoUser(env: Record<string, string | undefined>): string | undefined {
  const uid = env.SUDO_UID;
  return uid === undefined || uid === "" || uid === "0" ? undefined : uid;
}

/** The units the broker is shipped as: remo-broker.service, or an instance remo-broker@NAME.service. */
export const brokerUnitPattern = /^remo-broker(@[^/]*)?\.service$/;

/** A refusal: the message says what to do. */
export interface PathRefusal {
  message: string;
}

/**
 * Checks the path inputs of `serve`. Default paths are always fine. Other paths are accepted
 * when the broker runs as its own systemd system service (INVOCATION_ID set by systemd, and the
 * cgroup of remo-broker.service that PID 1 placed it in), or with `--unsafe-paths` when the caller
 * did not reach root through sudo as another user. Returns null when the inputs may be used.
 */
export function checkServePaths(inputs: ServePathInputs, defaults: ServeDefaults, ctx: ServeContext): PathRefusal | null {
  const custom: string[] = [];
  if (inputs.runtimeDir !== undefined && inputs.runtimeDir !== defaults.runtimeDir) custom.push(`--runtime-dir ${inputs.runtimeDir}`);
  if (inputs.stateDir !== undefined && inputs.stateDir !== defaults.stateDir) custom.push(`--state-dir ${inputs.stateDir}`);
  if (inputs.auditFile !== undefined && inputs.auditFile !== defaults.auditFile) custom.push(`--audit-file ${inputs.auditFile}`);
  if (inputs.identity !== undefined) custom.push(`--identity ${inputs.identity}`);
  if (inputs.credentialsDirectory !== undefined && inputs.credentialsDirectory !== "") custom.push(`CREDENTIALS_DIRECTORY=${inputs.credentialsDirectory}`);
  const sudoUid = sudoUser(ctx.env);
  if (ctx.unsafePaths && sudoUid !== undefined) {
    return { message: `--unsafe-paths is refused under sudo by user ${sudoUid}: it would let that user make root write any file. Run the broker from its systemd unit (systemctl start remo-broker); if you are root anyway (sudo -i), run it as env -u SUDO_UID remo-broker serve …` };
  }
  if (custom.length === 0) return null;
  // Only the broker's own unit: a user may well run processes inside some other system service
  // (a CI runner, cron jobs), but nothing but the broker runs in remo-broker.service.
  const underSystemd = /^[0-9a-f]{32}$/.test(ctx.env.INVOCATION_ID ?? "") && brokerUnitPattern.test(systemServiceOf(ctx.cgroup) ?? "");
  if (underSystemd || ctx.unsafePaths) return null;
  return {
    message: `refusing ${custom.join(", ")}: outside its systemd unit the broker only uses its default paths `
      + `(${defaults.runtimeDir}, ${defaults.stateDir}, ${defaults.auditFile}, $CREDENTIALS_DIRECTORY from systemd), `
      + "so that the right to run it as root cannot point root at other files. "
      + "Start it with systemctl start remo-broker (a unit of another name needs --unsafe-paths in its ExecStart=), or add --unsafe-paths to run it on these paths yourself (tests, development).",
  };
}
