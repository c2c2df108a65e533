import { lstat, unlink } from "node:fs/promises";
import type { Server } from "node:net";

/** Removes a stale socket file left by a crash; refuses to remove anything that is not a socket. */
export async function removeStaleSocket(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; move it away or choose another --runtime-dir`);
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
}

/** Listens on a Unix socket path after clearing a stale file. */
export async function listenUnix(server: Server, path: string): Promise<void> {
  await removeStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => { reject(e); };
    server.once("error", onError);
    server.listen(path, () => {
      server.off("error", onError);
      resolve();
    });
  });
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
