import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { lstat, open, type FileHandle } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";
import { MANIFEST_PATHS, parseManifest, RemoError, type Manifest } from "#protocol";

/** A manifest read from a project folder, and the file it came from. */
export interface LoadedManifest {
  manifest: Manifest;
  file: string;
}

/** Who may own the manifest and the folder holding it, and how long a read may take. */
export interface ManifestReadPolicy {
  /** The owner of project_path; root (0) is always accepted too. */
  ownerUid: number;
  /** A read that takes longer fails (a hung network or FUSE file system must not stall the broker). */
  timeoutMs: number;
}

/** The largest manifest the broker reads (the wire's message limit; real ones are < 1 KiB). */
export const maxManifestBytes = 64 * 1024;

/** Default read timeout. */
export const manifestReadTimeoutMs = 2000;

// O_NONBLOCK: opening a FIFO for reading never waits for a writer; O_NOFOLLOW: a symlink is refused, not followed.
const dirFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const fileFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Finds and validates a project's manifest (first of MANIFEST_PATHS wins) and checks it names
 * the project being registered. The project folder is writable from inside the container and
 * the broker reads as root, so the folder holding the manifest and the file itself are opened
 * without following symlinks or blocking, and checked on their descriptors: a real directory and
 * a regular file of at most 64 KiB with one link, owned by the project owner or root. Messages
 * say what is wrong without quoting a file the project owner does not own.
 * @throws RemoError `manifest_not_found` or `manifest_invalid`, each with what to do
 */
export async function loadProjectManifest(projectPath: string, name: string, policy: ManifestReadPolicy): Promise<LoadedManifest> {
  if (!isAbsolute(projectPath)) {
    throw new RemoError("manifest_not_found", `project_path "${projectPath}" must be an absolute path to the project folder.`);
  }
  for (const rel of MANIFEST_PATHS) {
    const file = join(projectPath, rel);
    const read = await withTimeout(readManifestFile(join(projectPath, dirname(rel)), basename(rel), file, policy), policy.timeoutMs,
      () => new RemoError("manifest_invalid", `${file} could not be read within ${policy.timeoutMs / 1000} s. Check the file system holding the project, then retry.`));
    if (read === undefined) continue;
    return { manifest: validate(read.text, file, projectPath, name, read.ownedByOwner), file };
  }
  throw new RemoError("manifest_not_found",
    `No manifest in ${projectPath}: looked for ${MANIFEST_PATHS.join(" and ")}. Create ${MANIFEST_PATHS[0]} (schema_version = 1, [project] name = "${name}", [allowlist] secrets = [...]) and retry.`);
}

/** Reads one candidate; undefined when it does not exist. */
async function readManifestFile(dir: string, base: string, file: string, policy: ManifestReadPolicy): Promise<{ text: string; ownedByOwner: boolean } | undefined> {
  const dh = await openOrAbsent(dir, dirFlags, file, true);
  if (dh === undefined) return undefined;
  let fh: FileHandle | undefined;
  try {
    const dst = await dh.stat();
    if (!isAllowedOwner(dst.uid, policy)) {
      throw new RemoError("manifest_invalid", `${dir} is owned by UID ${dst.uid}, neither the project's owner (UID ${policy.ownerUid}) nor root, so the broker does not read the manifest in it. Fix its ownership, then retry.`);
    }
    // Resolving the name relative to the directory we already opened (and checked) means a
    // directory swapped for a symlink after the check is never followed.
    fh = await openOrAbsent(`/proc/self/fd/${dh.fd}/${base}`, fileFlags, file, false);
    if (fh === undefined) return undefined;
    const st = await fh.stat();
    if (!st.isFile()) {
      throw new RemoError("manifest_invalid", `${file} is not a regular file (it is a ${kindOf(st)}), so the broker does not read it. Replace it with a plain file, then retry.`);
    }
    if (!isAllowedOwner(st.uid, policy)) {
      throw new RemoError("manifest_invalid", `${file} is owned by UID ${st.uid}, neither the project's owner (UID ${policy.ownerUid}) nor root, so the broker does not read it. Fix its ownership, then retry.`);
    }
    if (st.nlink !== 1) {
      throw new RemoError("manifest_invalid", `${file} has ${st.nlink} hard links, so it may be another file's contents; the broker does not read it. Replace it with a plain copy, then retry.`);
    }
    if (st.size > maxManifestBytes) {
      throw new RemoError("manifest_invalid", `${file} is ${st.size} bytes; a manifest may be at most ${maxManifestBytes} bytes. Shorten it, then retry.`);
    }
    const bytes = await readCapped(fh.fd, file, maxManifestBytes, policy.timeoutMs);
    if (bytes === undefined) {
      throw new RemoError("manifest_invalid", `${file} is larger than ${maxManifestBytes} bytes; a manifest may be at most that. Shorten it, then retry.`);
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new RemoError("manifest_invalid", `${file} is not UTF-8 text. Save it as UTF-8, then retry.`);
    }
    return { text, ownedByOwner: st.uid === policy.ownerUid };
  } finally {
    await fh?.close().catch(() => undefined);
    await dh.close().catch(() => undefined);
  }
}

function isAllowedOwner(uid: number, policy: ManifestReadPolicy): boolean {
  return uid === policy.ownerUid || uid === 0;
}

async function openOrAbsent(path: string, flags: number, file: string, isDir: boolean): Promise<FileHandle | undefined> {
  try {
    return await open(path, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // O_DIRECTORY|O_NOFOLLOW on a symlink to a directory fails with ENOTDIR, not ELOOP.
    const isLink = code === "ELOOP" || (code === "ENOTDIR" && isDir && (await lstat(path).catch(() => undefined))?.isSymbolicLink() === true);
    if (!isLink && (code === "ENOENT" || code === "ENOTDIR")) return undefined;
    if (isLink) {
      throw new RemoError("manifest_invalid", `${isDir ? dirname(file) : file} is a symbolic link; the broker does not follow links in a project folder. Replace it with a real ${isDir ? "directory" : "file"}, then retry.`);
    }
    throw new RemoError("manifest_not_found", `Cannot read ${file} (${code ?? "error"}). Check its permissions.`);
  }
}

/** Children left blocked in a read that never returned; past this many, reads are refused at once. */
const maxHungReads = 8;
let hungReads = 0;

/**
 * Reads at most `max` bytes of an open file; undefined when there is more (the size may grow
 * after fstat). The read happens in a child process (`head`, the descriptor as its stdin), not
 * in the broker: a read() on a hung file system (a dead network mount, a FUSE daemon that
 * never answers) cannot be interrupted once the request reached the file system, not even by
 * SIGKILL. In the broker's own thread pool it would hold a thread for good (four of them stop
 * every file operation) and keep the process from ever exiting; a hung child is abandoned.
 */
function readCapped(fd: number, file: string, max: number, timeoutMs: number): Promise<Buffer | undefined> {
  if (hungReads >= maxHungReads) {
    return Promise.reject(new RemoError("manifest_invalid", `${file} was not read: ${hungReads} earlier manifest reads are still blocked on their file systems. Fix the file system holding the project (or unmount it), then retry.`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn("head", ["-c", String(max + 1)], { stdio: [fd, "pipe", "ignore"], env: { PATH: "/usr/bin:/bin" } });
    const { stdout } = child;
    if (stdout === null) throw new Error("head was spawned without a stdout pipe");
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      hungReads++;
      child.once("exit", () => { hungReads--; });
      child.kill("SIGKILL");
      stdout.destroy();
      child.unref();
      reject(new RemoError("manifest_invalid", `${file} could not be read within ${timeoutMs / 1000} s. Check the file system holding the project, then retry.`));
    }, timeoutMs);
    stdout.on("data", (d: Buffer) => {
      size += d.length;
      if (size <= max + 1) chunks.push(d);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new RemoError("manifest_not_found", `Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "error"}: the broker reads manifests with head(1)).`));
    });
    child.on("close", (code) => {
      if (timedOut) return;
      clearTimeout(timer);
      if (code !== 0) reject(new RemoError("manifest_not_found", `Cannot read ${file} (head exited ${String(code)}). Check its permissions.`));
      else resolve(size > max ? undefined : Buffer.concat(chunks));
    });
  });
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return "directory";
  if (st.isFIFO()) return "FIFO";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "device";
  if (st.isSocket()) return "socket";
  return "special file";
}

function validate(text: string, file: string, projectPath: string, name: string, quotable: boolean): Manifest {
  const result = parseManifest(text, { folderName: basename(projectPath) });
  const errors = result.issues.filter((i) => i.severity === "error");
  if (result.manifest === undefined || errors.length > 0) {
    // parseManifest's messages name keys from the file: only say them back when the file is the project owner's own.
    const shown = errors.slice(0, 3).map((i) => {
      const where = i.position === undefined ? "" : `line ${i.position.line + 1}: `;
      return quotable ? `${where}${i.message}` : `${where}${i.code}.`;
    });
    throw new RemoError("manifest_invalid", `${file} is invalid: ${shown.join(" ")}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ""} Fix it (the Remo extension shows every problem) and retry.`);
  }
  if (result.manifest.project.name !== name) {
    throw new RemoError("manifest_invalid", `${file} names another project than "${name}" in [project] name. Register the project under the name the manifest gives, or fix [project] name.`);
  }
  return result.manifest;
}

/** Resolves `p`, or rejects with `onTimeout()` after `ms` (the read itself is left to finish or fail on its own). */
function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { reject(onTimeout()); }, ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}
