import { constants } from "node:fs";
import { open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { nodeCrypto } from "../node-crypto.ts";

// Never follow a link planted where a state file belongs; never block on a FIFO planted there.
const createFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const readFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const rewriteFlags = constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK;

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Replaces `file` with `data` so that a crash at any instant leaves the old or the
 * new content, never a mix or an empty file: write a temp file in the same
 * directory (created with O_EXCL|O_NOFOLLOW, so nothing planted there is written
 * through), fsync it, rename it over the old one, then fsync the directory so the
 * rename itself is durable. The directory must already exist (the broker checks it).
 */
export async function writeFileAtomic(file: string, data: Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(file);
  // node:crypto loads on the first write, not at start.
  const { randomBytes } = await nodeCrypto();
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const h = await open(tmp, createFlags, mode);
  try {
    await h.writeFile(data);
    await h.sync();
  } catch (e) {
    await h.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await h.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dir);
}

/**
 * Overwrites `file` with zeros, fsyncs, and unlinks it; a missing file is fine. Only a
 * regular file with a single link is overwritten, through the descriptor it was opened
 * with: a symlink (or anything else) in its place is unlinked and its target left alone.
 */
export async function destroyFile(file: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(file, rewriteFlags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    // ELOOP: a symlink. ENXIO/EISDIR/…: not a file we may write. Remove the name, touch nothing else.
    if (code !== "ELOOP" && code !== "ENXIO" && code !== "EISDIR") throw e;
  }
  if (h !== undefined) {
    try {
      const st = await h.stat();
      if (st.isFile() && st.nlink === 1) {
        await h.write(Buffer.alloc(st.size), 0, st.size, 0);
        await h.sync();
      }
    } finally {
      await h.close();
    }
  }
  await unlink(file).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  });
  await fsyncDir(dirname(file));
}

/** Reads a regular file without following a symlink; undefined when it does not exist. */
export async function readOptionalFile(file: string): Promise<Buffer | undefined> {
  let h: FileHandle;
  try {
    h = await open(file, readFlags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: "EINVAL" });
    return await h.readFile();
  } finally {
    await h.close();
  }
}

/** Removes temp files a crash left behind in a state directory (a planted symlink's target is never touched). */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.startsWith(".") && n.endsWith(".tmp")).map((n) => destroyFile(join(dir, n)).catch(() => undefined)));
}
