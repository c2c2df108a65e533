import type * as NodeFs from "node:fs";

// Why a child process: the broker reads manifests as root from folders on any file system,
// and a request to a hung one (a dead network mount, a FUSE daemon that never answers) cannot
// be interrupted once the file system has it, not even by SIGKILL. Run in the broker, every
// open, fstat, read or close of such a file holds one of libuv's four pool threads for good
// (four of them stop every file operation: audit, registry, bundles) and keeps the process
// from exiting on SIGTERM. Run in a child, a hung request holds only that child, which the
// broker kills and abandons. A bigger pool plus a cap would not do: a thread stuck in the
// kernel still keeps the broker from exiting. The child is the broker's own Node binary
// running `readerMain` below (no file to find, nothing to install), and one child serves reads
// one after another while it is kept busy, so restoring many projects at start pays one Node
// start, not one per project.

/** Owner of the project folder (stat, following a symlinked folder as the admin named it). */
export interface FolderOwner {
  uid: number;
  gid: number;
}

/** What a candidate that is not a regular file is. */
export type FileType = "directory" | "FIFO" | "device" | "socket" | "special file";

/** Why the reader did not read a candidate it found. */
export type Refusal =
  | { why: "dir_link" | "file_link" }
  | { why: "dir_owner" | "file_owner"; uid: number }
  | { why: "not_file"; fileType: FileType }
  | { why: "links"; nlink: number }
  | { why: "size"; size: number }
  | { why: "grew" };

/** What the reader found in one project folder, the reader's reply strictly parsed. */
export type ReadResult =
  | { kind: "folder_error"; code: string }
  | { kind: "absent"; folder: FolderOwner }
  | { kind: "error"; folder: FolderOwner; index: number; code: string }
  | ({ kind: "refused"; folder: FolderOwner; index: number } & Refusal)
  | { kind: "ok"; folder: FolderOwner; index: number; fileUid: number; bytes: Buffer };

/** One read: the project folder, and the (folder, name) of each candidate manifest in order. */
export interface ReadRequest {
  folder: string;
  candidates: readonly (readonly [dir: string, base: string])[];
  max: number;
}

/**
 * The reader process's whole program. It is sent as source text to a fresh `node -e`, so it may
 * use only its parameters, its own locals and Node's globals (process, Buffer), never anything
 * imported by this module. One JSON request per stdin line, one JSON reply per stdout line; each
 * descriptor is closed before the reply, so a close that hangs is a read that never answers.
 */
export function readerMain(fs: typeof NodeFs): void {
  const c = fs.constants;
  // O_NONBLOCK: opening a FIFO never waits for a writer; O_NOFOLLOW: a symlink is refused, not followed.
  const dirFlags = c.O_RDONLY | c.O_DIRECTORY | c.O_NOFOLLOW | c.O_NONBLOCK;
  const fileFlags = c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK | c.O_NOCTTY;
  const codeOf = (e: unknown): string => {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" ? code : "EIO";
  };
  const isLink = (p: string): boolean => {
    try {
      return fs.lstatSync(p).isSymbolicLink();
    } catch {
      return false;
    }
  };
  const kindOf = (st: NodeFs.Stats): string => {
    if (st.isDirectory()) return "directory";
    if (st.isFIFO()) return "FIFO";
    if (st.isCharacterDevice() || st.isBlockDevice()) return "device";
    if (st.isSocket()) return "socket";
    return "special file";
  };
  const handle = (req: ReadRequest): object => {
    let st: NodeFs.Stats;
    try {
      st = fs.statSync(req.folder);
    } catch (e) {
      return { kind: "folder_error", code: codeOf(e) };
    }
    const folder = { uid: st.uid, gid: st.gid };
    const allowed = (uid: number): boolean => uid === folder.uid || uid === 0;
    let index = 0;
    try {
      for (; index < req.candidates.length; index++) {
        const [dir, base] = req.candidates[index] ?? ["", ""];
        const refused = (r: object): object => ({ kind: "refused", folder, index, ...r });
        let dfd: number;
        try {
          dfd = fs.openSync(dir, dirFlags);
        } catch (e) {
          const code = codeOf(e);
          // O_DIRECTORY|O_NOFOLLOW on a symlink to a directory fails with ENOTDIR, not ELOOP.
          if (code === "ELOOP" || (code === "ENOTDIR" && isLink(dir))) return refused({ why: "dir_link" });
          if (code === "ENOENT" || code === "ENOTDIR") continue;
          return { kind: "error", folder, index, code };
        }
        try {
          const dst = fs.fstatSync(dfd);
          if (!allowed(dst.uid)) return refused({ why: "dir_owner", uid: dst.uid });
          let ffd: number;
          try {
            // Resolved through the descriptor already checked: a folder swapped for a symlink since is never followed.
            ffd = fs.openSync(`/proc/self/fd/${dfd}/${base}`, fileFlags);
          } catch (e) {
            const code = codeOf(e);
            if (code === "ELOOP") return refused({ why: "file_link" });
            if (code === "ENOENT" || code === "ENOTDIR") continue;
            return { kind: "error", folder, index, code };
          }
          try {
            const fst = fs.fstatSync(ffd);
            if (!fst.isFile()) return refused({ why: "not_file", fileType: kindOf(fst) });
            if (!allowed(fst.uid)) return refused({ why: "file_owner", uid: fst.uid });
            if (fst.nlink !== 1) return refused({ why: "links", nlink: fst.nlink });
            if (fst.size > req.max) return refused({ why: "size", size: fst.size });
            // One byte more than allowed tells a file that grew after fstat from one that fits.
            const buf = Buffer.alloc(req.max + 1);
            let n = 0;
            for (;;) {
              const got = fs.readSync(ffd, buf, n, buf.length - n, null);
              if (got === 0) break;
              n += got;
              if (n === buf.length) return refused({ why: "grew" });
            }
            return { kind: "ok", folder, index, fileUid: fst.uid, data: buf.subarray(0, n).toString("base64") };
          } finally {
            fs.closeSync(ffd);
          }
        } finally {
          fs.closeSync(dfd);
        }
      }
    } catch (e) {
      return { kind: "error", folder, index, code: codeOf(e) };
    }
    return { kind: "absent", folder };
  };
  let pending = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      process.stdout.write(`${JSON.stringify(handle(JSON.parse(line) as ReadRequest))}\n`);
    }
  });
  process.stdout.write(`${JSON.stringify({ kind: "ready" })}\n`);
}

/** The reader's source: readerMain called with node:fs (`require` exists in a `node -e` script). */
export const readerSource = `(${readerMain.toString()})(require("node:fs"));`;

const uint32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;
const errnoCode = (v: unknown): v is string => typeof v === "string" && /^[A-Z][A-Z0-9_]{0,31}$/.test(v);
const fileTypes = new Set<string>(["directory", "FIFO", "device", "socket", "special file"]);

/** Parses one reply line; undefined for anything but a well-formed reply to `req`. */
export function parseReply(line: string, req: ReadRequest): ReadResult | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (r.kind === "folder_error") return errnoCode(r.code) ? { kind: "folder_error", code: r.code } : undefined;
  const f = r.folder;
  if (typeof f !== "object" || f === null) return undefined;
  const { uid, gid } = f as Record<string, unknown>;
  if (!uint32(uid) || !uint32(gid)) return undefined;
  const folder = { uid, gid };
  if (r.kind === "absent") return { kind: "absent", folder };
  const index = r.index;
  if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= req.candidates.length) return undefined;
  const at = { folder, index: index as number };
  switch (r.kind) {
    case "error":
      return errnoCode(r.code) ? { kind: "error", ...at, code: r.code } : undefined;
    case "ok": {
      const data = r.data;
      // Base64 of at most `max` bytes, nothing else.
      if (!uint32(r.fileUid) || typeof data !== "string" || data.length > Math.ceil(req.max / 3) * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) return undefined;
      const bytes = Buffer.from(data, "base64");
      return bytes.length <= req.max ? { kind: "ok", ...at, fileUid: r.fileUid, bytes } : undefined;
    }
    case "refused":
      switch (r.why) {
        case "dir_link": case "file_link": case "grew":
          return { kind: "refused", ...at, why: r.why };
        case "dir_owner": case "file_owner":
          return uint32(r.uid) ? { kind: "refused", ...at, why: r.why, uid: r.uid } : undefined;
        case "not_file":
          return typeof r.fileType === "string" && fileTypes.has(r.fileType) ? { kind: "refused", ...at, why: "not_file", fileType: r.fileType as FileType } : undefined;
        case "links":
          return uint32(r.nlink) ? { kind: "refused", ...at, why: "links", nlink: r.nlink } : undefined;
        case "size":
          return Number.isSafeInteger(r.size) && (r.size as number) > req.max ? { kind: "refused", ...at, why: "size", size: r.size as number } : undefined;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}
