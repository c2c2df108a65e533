import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { runProcess, type ProcessResult } from "./run-process.ts";

/**
 * Root podman on this kind of machine, configured without touching the machine's own
 * /etc/containers: runc (crun fails on a hybrid cgroup hierarchy), no default ulimits
 * (setting them needs CAP_SYS_RESOURCE, which the machine does not grant), cgroupfs and
 * file events (there may be no systemd to ask).
 */
const containersConf = `# Written by the Remo Secrets tests (test/helpers/podman.ts); used through CONTAINERS_CONF.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

/** Where the tests keep their podman config and wrapper (stable, so cached images stay usable). */
const podmanDir = process.env.REMO_PODMAN_DIR ?? "/var/cache/remo-secrets-test/podman";

/** Writes (idempotently) our containers.conf and returns its path. */
export function containersConfPath(): string {
  mkdirSync(podmanDir, { recursive: true });
  const path = join(podmanDir, "containers.conf");
  if (!existsSync(path) || readFileSync(path, "utf8") !== containersConf) {
    writeFileSync(`${path}.tmp`, containersConf);
    renameSync(`${path}.tmp`, path);
  }
  return path;
}

/** The environment every podman call (and the devcontainer CLI) runs with. */
export function podmanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: containersConfPath(), ...extra };
}

/**
 * A `podman` stand-in for `devcontainer up --docker-path`: the CLI adds
 * `--userns=keep-id` for podman, which root podman refuses, so the wrapper drops it
 * (in both spellings) and runs podman with our containers.conf.
 */
export function podmanWrapper(): string {
  const path = join(podmanDir, "podman-wrapper.sh");
  const script = [
    "#!/bin/sh",
    "# podman for the devcontainer CLI, as root: drop --userns=keep-id, use the tests' containers.conf.",
    `CONTAINERS_CONF='${containersConfPath()}'`,
    "export CONTAINERS_CONF",
    "n=$#",
    "skip=",
    "while [ \"$n\" -gt 0 ]; do",
    "  a=$1; shift; n=$((n - 1))",
    "  if [ -n \"$skip\" ]; then skip=; [ \"$a\" = keep-id ] && continue; set -- \"$@\" --userns; fi",
    "  case \"$a\" in",
    "    --userns=keep-id|--userns=keep-id:*) continue ;;",
    "    --userns) skip=1; continue ;;",
    "  esac",
    "  set -- \"$@\" \"$a\"",
    "done",
    "[ -z \"$skip\" ] || set -- \"$@\" --userns",
    "exec podman \"$@\"",
    "",
  ].join("\n");
  mkdirSync(podmanDir, { recursive: true });
  if (!existsSync(path) || readFileSync(path, "utf8") !== script) {
    writeFileSync(`${path}.tmp`, script);
    chmodSync(`${path}.tmp`, 0o755);
    renameSync(`${path}.tmp`, path);
  }
  return path;
}

/** Runs `podman <args>` with our config; never rejects on a non-zero exit. */
export function podman(args: string[], opts: { input?: string | Uint8Array; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  return runProcess("podman", args, { env: podmanEnv(opts.env), timeoutMs: opts.timeoutMs ?? 120_000, ...(opts.input === undefined ? {} : { input: opts.input }) });
}

/** Runs `podman <args>` and returns stdout; throws with podman's stderr when it fails. */
export async function podmanOk(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await podman(args, opts);
  if (r.code !== 0) throw new Error(`podman ${args.join(" ")} failed (${String(r.code ?? r.signal)}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

let cachedReason: string | null | undefined;

/**
 * Why a real container cannot run here (for a loud SKIPPED), or null when it can.
 * Checks what podman needs, then runs a throwaway container from an empty image.
 */
export function podmanUnavailable(): string | null {
  if (cachedReason !== undefined) return cachedReason;
  cachedReason = probe();
  return cachedReason;
}

function probe(): string | null {
  if (process.getuid?.() !== 0) return "not root: the container tests drive root podman";
  for (const tool of ["podman", "runc", "tar"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed (run scripts/ensure-system-deps.sh)`;
  }
  if (!readFileSync("/proc/filesystems", "utf8").includes("overlay")) return "the kernel has no overlayfs";
  const env = podmanEnv();
  const info = spawnSync("podman", ["info", "--format", "{{.Host.OCIRuntime.Name}}"], { env, encoding: "utf8", timeout: 60_000 });
  if (info.status !== 0) return `podman info failed: ${info.stderr.trim().slice(-500)}`;
  if (info.stdout.trim() !== "runc") return `podman uses ${info.stdout.trim()}, not runc, despite CONTAINERS_CONF`;
  return null;
}

/** Whether an image with this exact reference exists locally. */
export async function imageExists(ref: string): Promise<boolean> {
  return (await podman(["image", "exists", ref])).code === 0;
}

/** Options for {@link importRootfs}. */
export interface ImportOptions {
  /** Extra files copied into the image: host path → absolute path in the image (mode kept). */
  files?: Record<string, string>;
  /** Containerfile-style `--change` instructions, e.g. `CMD ["/bin/bash"]`, `ENV PATH=…`. */
  changes?: string[];
}

/**
 * Makes image `ref` from a root directory (e.g. a debootstrap root) with `podman import`,
 * unless it already exists. Atomic: it imports under a temporary tag and tags `ref` only
 * once the import succeeded, so an interrupted run leaves no `ref` and the next one redoes
 * it. Put what the image contains in `ref`'s tag (a release, a version) so a change makes
 * a new image instead of reusing a stale one.
 */
export async function importRootfs(ref: string, rootDir: string, opts: ImportOptions = {}): Promise<string> {
  if (await imageExists(ref)) return ref;
  const work = join(podmanDir, `import-${String(process.pid)}-${String(Date.now())}`);
  mkdirSync(work, { recursive: true });
  try {
    const tarFile = join(work, "rootfs.tar");
    const run = (cmd: string, args: string[]): void => {
      const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 16 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${String(r.status)}): ${r.stderr.slice(-2000)}`);
    };
    // The cache marker and anything under /proc or /dev are the host's business, not the image's.
    run("tar", ["-C", rootDir, "--numeric-owner", "--exclude=./.remo-ready", "--exclude=./proc/*", "--exclude=./dev/*", "-cf", tarFile, "."]);
    for (const [from, to] of Object.entries(opts.files ?? {})) {
      const staged = join(work, "extra");
      const dest = join(staged, to);
      mkdirSync(join(dest, ".."), { recursive: true });
      run("cp", ["-p", from, dest]);
      run("tar", ["-C", staged, "--numeric-owner", "--owner=0", "--group=0", "-rf", tarFile, `.${to}`]);
      rmSync(staged, { recursive: true, force: true });
    }
    const temp = `${ref.replace(/:[^:/]*$/, "")}:partial-${String(process.pid)}`;
    await podmanOk(["import", ...(opts.changes ?? []).flatMap((c) => ["--change", c]), tarFile, temp], { timeoutMs: 600_000 });
    await podmanOk(["tag", temp, ref]);
    await podmanOk(["untag", temp, temp]);
    return ref;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A running `podman system service` (the Docker API, e.g. for docker-compose). */
export interface DockerApiService {
  /** The value for DOCKER_HOST. */
  dockerHost: string;
  socketPath: string;
  stop(): Promise<void>;
}

/** Whether a Docker API answers `GET /_ping` on the socket. */
function pingDockerApi(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => { resolve(false); });
    req.on("timeout", () => { req.destroy(); resolve(false); });
    req.end();
  });
}

/**
 * Starts podman's Docker-compatible API on a Unix socket (`--time=0`: it never exits
 * on its own) and waits until it answers `/_ping`, with a deadline.
 */
export async function startDockerApi(socketPath: string, timeoutMs = 30_000): Promise<DockerApiService> {
  rmSync(socketPath, { force: true });
  const child: ChildProcess = spawn("podman", ["system", "service", "--time=0", `unix://${socketPath}`], { env: podmanEnv(), stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => { stderr += d.toString(); });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`podman system service exited (${String(child.exitCode)}): ${stderr.slice(-1000)}`);
    if (await pingDockerApi(socketPath)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`podman system service did not answer on ${socketPath} within ${String(timeoutMs)} ms: ${stderr.slice(-1000)}`);
    }
    await new Promise((r2) => setTimeout(r2, 100));
  }
  return {
    dockerHost: `unix://${socketPath}`,
    socketPath,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once("exit", () => { resolve(); });
      child.kill("SIGTERM");
    }),
  };
}

/** Removes every container (running or not) that carries `label=value`; errors are ignored. */
export async function removeContainersLabelled(label: string): Promise<void> {
  const ids = (await podman(["ps", "-aq", "--filter", `label=${label}`])).stdout.split("\n").filter((s) => s !== "");
  if (ids.length > 0) await podman(["rm", "-f", "-t", "0", ...ids], { timeoutMs: 120_000 });
}
