import { randomBytes } from "node:crypto";
import { lchown, lstat, rename, unlink } from "node:fs/promises";
import type { Server } from "node:net";
import { basename, dirname, join } from "node:path";

/** Who owns a socket file once it is in place. */
export interface SocketOwner {
  uid: number;
  gid: number;
}

/** Refuses to replace anything at `path` that is not a socket (a regular file, a directory…). */
async function checkReplaceable(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; move it away or choose another --runtime-dir`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
}

/** Binds synchronously with `umask` in force, so the socket file is created with its final mode. */
function listenWithUmask(server: Server, path: string, umask: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => { reject(e); };
    server.once("error", onError);
    const previous = process.umask(umask);
    try {
      // For a Unix path, listen() binds before it returns (the primary process, not a cluster worker).
      server.listen(path, () => {
        server.off("error", onError);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
}

/**
 * Listens on a Unix socket at `path` with exactly `mode` and `owner`, replacing an old socket
 * there in one step. The socket is bound under a temporary name in the same directory (with a
 * umask that gives it `mode` at creation), handed to `owner` with lchown (which never follows a
 * link), and only then renamed over `path`: nobody can connect before its permissions are final,
 * nothing is chmod'ed by path, and a client always finds a live socket or the old one. The
 * directory must be writable only by the broker.
 */
export async function listenUnixAt(server: Server, path: string, mode: number, owner?: SocketOwner): Promise<void> {
  await checkReplaceable(path);
  const staging = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.new`);
  await listenWithUmask(server, staging, 0o777 & ~mode);
  try {
    if (owner !== undefined) await lchown(staging, owner.uid, owner.gid);
    await rename(staging, path);
  } catch (e) {
    await closeServer(server);
    await unlink(staging).catch(() => undefined);
    throw e;
  }
}

/** Removes the socket at `path` if it is one; anything else there is left alone. */
export async function removeSocketFile(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** Closes a server (new connections refused at once) and resolves when it is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => { resolve(); });
  });
}
