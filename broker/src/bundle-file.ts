import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Replaces `file` with `data` so that a crash at any instant leaves the old or the
 * new content, never a mix or an empty file: write a temp file in the same
 * directory, fsync it, rename it over the old one, then fsync the directory so
 * the rename itself is durable.
 */
export async function writeFileAtomic(file: string, data: Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const h = await open(tmp, "wx", mode);
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

/** Overwrites `file` with zeros, fsyncs, and unlinks it; a missing file is fine. */
export async function destroyFile(file: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const h = await open(file, "r+");
  try {
    await h.write(Buffer.alloc(size), 0, size, 0);
    await h.sync();
  } finally {
    await h.close();
  }
  await unlink(file);
  await fsyncDir(dirname(file));
}

/** Reads a file, or undefined when it does not exist. */
export async function readOptionalFile(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Removes temp files a crash left behind in the bundle directory. */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  const { readdir } = await import("node:fs/promises");
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.startsWith(".") && n.endsWith(".tmp")).map((n) => destroyFile(join(dir, n)).catch(() => undefined)));
}
