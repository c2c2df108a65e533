import { constants } from "node:fs";
import { lstat, mkdir, open } from "node:fs/promises";

/** What a directory is for, in the words of a refusal message (e.g. "runtime directory", "--state-dir"). */
export interface DirRole {
  what: string;
  /** The flag that chooses another one, if any. */
  flag?: string;
}

/** What the broker wants of a directory it owns. */
export interface DirSpec {
  /** The exact permission bits it ends up with. */
  mode: number;
  /** Its group (the owner is always the broker's user); default: leave as created. */
  gid?: number;
}

/** A directory the broker must not use; the message says what to do. */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafePathError";
  }
}

const dirOpenFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The broker's own UID: everything it creates must be owned by it. */
export function brokerUid(): number {
  return process.geteuid?.() ?? 0;
}

/**
 * Creates `path` if missing, then checks and fixes it **through its descriptor**: it must be a
 * real directory (not a symlink) owned by the broker's user; its mode and group are then set with
 * fchmod/fchown, so a path swapped after the check is never the one changed. A directory someone
 * else owns, or that group/others may write into when the broker did not create it, is refused
 * instead of repaired.
 * @throws UnsafePathError with what to do
 */
export async function ensureOwnedDir(path: string, spec: DirSpec, role: DirRole): Promise<void> {
  const created = await mkdir(path, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw new UnsafePathError(`Cannot create the ${role.what} ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}).${choose(role)}`);
  });
  const st0 = await lstat(path).catch(() => undefined);
  if (st0?.isSymbolicLink() === true) {
    throw new UnsafePathError(`The ${role.what} ${path} is a symbolic link; the broker refuses it so nobody can redirect its files. Replace it with a real directory owned by the broker's user.${choose(role)}`);
  }
  let h;
  try {
    h = await open(path, dirOpenFlags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UnsafePathError(code === "ELOOP"
      ? `The ${role.what} ${path} is a symbolic link; the broker refuses it so nobody can redirect its files. Replace it with a real directory owned by the broker's user.${choose(role)}`
      : `The ${role.what} ${path} is not a usable directory (${code ?? "error"}).${choose(role)}`);
  }
  try {
    const st = await h.stat();
    const uid = brokerUid();
    if (st.uid !== uid) {
      throw new UnsafePathError(`The ${role.what} ${path} is owned by UID ${st.uid}, not by the broker's user (UID ${uid}); the broker refuses it. Run: chown ${uid} ${path} — or remove it and let the broker create it.${choose(role)}`);
    }
    // A directory the broker just created is its own; one it found must already be closed to writers.
    if (created === undefined && (st.mode & 0o022) !== 0) {
      throw new UnsafePathError(`The ${role.what} ${path} is writable by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}); the broker refuses it. Run: chmod go-w ${path}${choose(role)}`);
    }
    if (spec.gid !== undefined && st.gid !== spec.gid) await h.chown(uid, spec.gid);
    if ((st.mode & 0o7777) !== spec.mode) await h.chmod(spec.mode);
  } finally {
    await h.close();
  }
}

function choose(role: DirRole): string {
  return role.flag === undefined ? "" : ` Or choose another with ${role.flag}.`;
}

/**
 * Refuses an existing path (file or directory) that is a symlink, belongs to another user, or
 * that group or others may write; a missing path is fine (the broker creates it). Used for the
 * audit file and its directory, which are opened without following links afterwards.
 * @throws UnsafePathError with what to do
 */
export async function refuseUnsafePath(path: string, role: DirRole): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new UnsafePathError(`Cannot inspect the ${role.what} ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}).${choose(role)}`);
  }
  if (st.isSymbolicLink()) {
    throw new UnsafePathError(`The ${role.what} ${path} is a symbolic link; the broker refuses it so nobody can redirect what it writes. Replace it with a real ${st.isDirectory() ? "directory" : "file"} owned by the broker's user.${choose(role)}`);
  }
  const uid = brokerUid();
  if (st.uid !== uid) {
    throw new UnsafePathError(`The ${role.what} ${path} is owned by UID ${st.uid}, not by the broker's user (UID ${uid}); the broker refuses it. Run: chown ${uid} ${path}${choose(role)}`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new UnsafePathError(`The ${role.what} ${path} is writable by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}); the broker refuses it. Run: chmod go-w ${path}${choose(role)}`);
  }
}
