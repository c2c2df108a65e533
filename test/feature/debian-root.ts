import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir } from "../helpers/temp-dir.ts";

/** Where a Debian root is cached between runs, keyed by release and package set. */
const cacheDir = process.env.REMO_FEATURE_ROOT_CACHE ?? "/var/cache/remo-secrets-test";

/** Packages a typical dev container base image has beyond minbase (git for the credential helper). */
const basePackages = ["git", "ca-certificates"];

/** Why the chroot tests cannot run here, or null when they can. */
export function chrootUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "not root: debootstrap, chroot and mount need root";
  for (const tool of ["debootstrap", "unshare", "chroot", "mount"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) return `${tool} is not installed (apt-get install debootstrap util-linux)`;
  }
  if (!readFileSync("/proc/filesystems", "utf8").includes("overlay")) return "the kernel has no overlayfs";
  if (hostRelease() === undefined) return "the host is not Debian: cannot tell which release to debootstrap";
  return null;
}

/** The host's Debian codename (the chroot uses the same release so the host's node binary runs in it). */
export function hostRelease(): string | undefined {
  const text = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  return /^ID=debian$/m.test(text) ? /^VERSION_CODENAME=(\S+)$/m.exec(text)?.[1] : undefined;
}

/**
 * Reads the Debian mirror for `release` from the machine's apt sources at run time
 * (deb822 *.sources first, then one-line sources.list), so no host is written in the repo.
 */
export function aptMirror(release: string): string {
  const dir = "/etc/apt/sources.list.d";
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sources")).map((f) => join(dir, f)) : [];
  for (const f of files) {
    for (const block of readFileSync(f, "utf8").split(/\n\s*\n/)) {
      const field = (name: string): string[] => new RegExp(`^${name}:\\s*(.*)$`, "mi").exec(block)?.[1]?.trim().split(/\s+/) ?? [];
      if (field("Types").includes("deb") && field("Suites").includes(release)) {
        const uri = field("URIs")[0];
        if (uri !== undefined) return uri;
      }
    }
  }
  const list = existsSync("/etc/apt/sources.list") ? readFileSync("/etc/apt/sources.list", "utf8") : "";
  const m = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+)\\s+${release}\\s`, "m").exec(list);
  if (m?.[1]) return m[1];
  throw new Error(`no apt source for ${release} in ${dir}/*.sources or /etc/apt/sources.list`);
}

/**
 * Returns a cached Debian root (debootstrap --variant=minbase + `packages`, by default git and
 * ca-certificates), creating it on first use (about a minute). It is only ever used read-only:
 * as an overlay's lower dir, or as the source of a `podman import`.
 */
export function ensureDebianRoot(packages: readonly string[] = basePackages): string {
  const release = hostRelease() ?? "bookworm";
  const root = join(cacheDir, `${release}-minbase-${packages.join("-")}`);
  if (existsSync(join(root, ".remo-ready"))) return root;
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${root}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const r = spawnSync("debootstrap", ["--variant=minbase", `--include=${packages.join(",")}`, release, partial, aptMirror(release)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`debootstrap failed (${r.status}): ${r.stderr.slice(-2000)}`);
  writeFileSync(join(partial, ".remo-ready"), new Date().toISOString() + "\n");
  renameSync(partial, root);
  return root;
}

/** A bind mount into the sandbox: host path → path inside the root. */
export interface BindMount { from: string; to: string; file?: boolean }

/** What one command in the sandbox did. */
export interface RunResult { status: number | null; stdout: string; stderr: string }

/**
 * A throwaway container-like root: an overlay over the cached Debian root whose upper
 * dir keeps changes between `run` calls (like a container's writable layer). Every run
 * is a fresh mount namespace, so nothing stays mounted on the host afterwards.
 */
export class Sandbox {
  readonly dir: { path: string; cleanup: () => void };
  private readonly lower: string;

  constructor(lower: string) {
    this.lower = lower;
    this.dir = makeTempDir("remo-feature-");
    for (const d of ["upper", "work", "merged"]) mkdirSync(join(this.dir.path, d));
  }

  /** The writable layer: files written here appear inside the root on the next run. */
  get upper(): string {
    return join(this.dir.path, "upper");
  }

  /**
   * Runs a sh script as root inside the root (chroot), with `env` exported, optional
   * bind mounts (e.g. the host's node binary, a broker socket), and /proc mounted.
   */
  run(script: string, options: { env?: Record<string, string>; binds?: BindMount[]; timeoutMs?: number } = {}): Promise<RunResult> {
    const merged = join(this.dir.path, "merged");
    const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
    const setup = [
      "set -e",
      `mount -t overlay overlay -o lowerdir=${q(this.lower)},upperdir=${q(this.upper)},workdir=${q(join(this.dir.path, "work"))} ${q(merged)}`,
      `mount -t proc proc ${q(join(merged, "proc"))}`,
      `mount --bind /dev ${q(join(merged, "dev"))}`,
      `cmp -s /etc/resolv.conf ${q(join(merged, "etc/resolv.conf"))} || cp /etc/resolv.conf ${q(join(merged, "etc/resolv.conf"))} 2>/dev/null || true`,
      ...(options.binds ?? []).flatMap((b) => {
        const target = q(join(merged, b.to));
        return [
          b.file === true ? `mkdir -p "$(dirname ${target})" && { test -e ${target} || touch ${target}; }` : `mkdir -p ${target}`,
          `mount --bind ${q(b.from)} ${target}`,
        ];
      }),
      "set +e",
      `exec chroot ${q(merged)} /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root ${Object.entries(options.env ?? {}).map(([k, v]) => q(`${k}=${v}`)).join(" ")} /bin/sh -c ${q(script)}`,
    ].join("\n");
    return new Promise((resolve, reject) => {
      const child = spawn("unshare", ["--mount", "--propagation", "private", "--fork", "sh", "-c", setup], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
      child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
      const timer = setTimeout(() => { child.kill("SIGKILL"); }, options.timeoutMs ?? 300_000);
      child.once("error", reject);
      child.once("close", (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
    });
  }

  /** Removes the sandbox's layers. */
  cleanup(): void {
    this.dir.cleanup();
  }
}
