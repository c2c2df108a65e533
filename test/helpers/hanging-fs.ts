import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Which request of the file system never answers: see hanging-fs.c. */
export type HangMode = "read" | "getattr" | "open" | "flush";

/**
 * A real FUSE mount (hanging-fs.c, built with libfuse3 on first use) holding one project
 * folder: `<mountpoint>/.devcontainer/remo-broker.toml`, one kind of request to which never
 * returns while hanging is on (read() by default). Needs root, /dev/fuse and the fuse3 +
 * libfuse3-dev packages.
 */
export interface HangingFs {
  /** The project folder (the mount's root). */
  mountpoint: string;
  /** The manifest's contents, as every later read sees them. */
  setContents(text: string): void;
  /**
   * Makes one kind of request hang: true or "read" (reads of the manifest), "getattr" (every
   * lookup and stat in the mount), "open" (opening the manifest), "flush" (closing it); false
   * answers again (a hung request then returns within a second).
   */
  hang(on: boolean | HangMode): void;
  /** How many requests are hanging in the file system right now. */
  hangingRequests(): number;
  /** Lets any hung read finish, unmounts and waits for the file system process to exit. */
  unmount(): Promise<void>;
}

const source = fileURLToPath(new URL("./hanging-fs.c", import.meta.url));

/** Why a FUSE mount cannot be made here, or null when it can. */
export function hangingFsSkipReason(): string | null {
  if (process.getuid?.() !== 0) return "mounting FUSE needs root";
  try {
    accessSync("/dev/fuse", constants.R_OK | constants.W_OK);
  } catch {
    return "/dev/fuse is missing or not usable";
  }
  if (spawnSync("pkg-config", ["--exists", "fuse3"]).status !== 0) return "libfuse3 headers are missing (Debian: libfuse3-dev; scripts/ensure-system-deps.sh installs it)";
  if (spawnSync("sh", ["-c", "command -v fusermount3"]).status !== 0) return "fusermount3 is missing (Debian: fuse3)";
  return null;
}

/** Compiles hanging-fs.c into `dir` once; returns the binary. */
function build(dir: string): string {
  const bin = join(dir, "hanging-fs");
  if (existsSync(bin)) return bin;
  const flags = spawnSync("pkg-config", ["--cflags", "--libs", "fuse3"], { encoding: "utf8" }).stdout.trim().split(/\s+/);
  const r = spawnSync("cc", ["-Wall", "-Wextra", "-O1", "-o", bin, source, ...flags], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot build the test FUSE file system: ${r.stderr}`);
  return bin;
}

function isMounted(path: string): boolean {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => l.split(" ")[4] === path);
}

/** Mounts a hanging file system at `dir/name` (its files owned by `uid:gid`) and waits until it is mounted. */
export async function mountHangingFs(dir: string, name: string, contents: string, owner: { uid: number; gid: number }): Promise<HangingFs> {
  const bin = build(dir);
  const mountpoint = join(dir, name);
  const contentsFile = join(dir, `${name}.contents`);
  const flag = `${contentsFile}.hang`;
  mkdirSync(mountpoint);
  writeFileSync(contentsFile, contents);
  let log = "";
  // libfuse answers with at most 10 threads by default: past that, further requests wait in the
  // kernel's queue unsent, and a caller killed there dies at once. 64, so every caller a test
  // makes really reaches the hang.
  const child: ChildProcess = spawn(bin, [mountpoint, contentsFile, flag, String(owner.uid), String(owner.gid), "-o", "allow_other,fsname=remo-hanging-fs,max_threads=64"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => { log += d.toString(); });
  child.stderr?.on("data", (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<void>((resolve) => { child.on("exit", () => { resolve(); }); });
  const deadline = Date.now() + 10_000;
  while (!isMounted(mountpoint)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the test FUSE file system did not mount at ${mountpoint}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    mountpoint,
    setContents: (text) => { writeFileSync(contentsFile, text); },
    hangingRequests: () => {
      try {
        return Number.parseInt(readFileSync(`${flag}.hung`, "utf8"), 10);
      } catch {
        return 0;
      }
    },
    hang: (on) => { if (on === false) rmSync(flag, { force: true }); else writeFileSync(flag, on === true ? "read" : on); },
    unmount: async () => {
      rmSync(flag, { force: true });
      // A hung request polls the flag once a second; unmount lazily so a late caller cannot block it.
      spawnSync("fusermount3", ["-u", "-z", mountpoint]);
      const gone = Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      await gone;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      try { rmdirSync(mountpoint); } catch { /* still mounted: leave it rather than reach into it */ }
      rmSync(contentsFile, { force: true });
      rmSync(`${flag}.hung`, { force: true });
    },
  };
}
