import { lchown, lstat, unlink } from "node:fs/promises";
import type { Server } from "node:net";

/** Who owns a socket file once it is in place. */
export interface SocketOwner {
  uid: number;
  gid: number;
}

/** Removes a stale socket at `path`; refuses to remove anything that is not a socket (a regular file, a directory…). */
async function removeStale(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; move it away or choose another --runtime-dir`);
    await unlink(path);
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
 * Listens on a Unix socket at `path` with exactly `mode` and `owner`, replacing a stale socket.
 * The socket is created in place with a umask that gives it `mode` at bind time (never chmod'ed
 * afterwards), so until lchown hands it to `owner` only the broker's user can connect; lchown
 * never follows a link, and the directory must be writable only by the broker, so nobody can put
 * anything else at `path` in between. (Binding under a temporary name and renaming would make
 * the kernel, and so `ss`/`lsof`, report the temporary name as the socket's address.)
 */
export async function listenUnixAt(server: Server, path: string, mode: number, owner?: SocketOwner): Promise<void> {
  await removeStale(path);
  await listenWithUmask(server, path, 0o777 & ~mode);
  if (owner === undefined) return;
  try {
    await lchown(path, owner.uid, owner.gid);
  } catch (e) {
    await closeServer(server);
    await removeSocketFile(path).catch(() => undefined);
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
