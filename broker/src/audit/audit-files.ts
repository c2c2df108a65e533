import { renameSync } from "node:fs";
import { open } from "node:fs/promises";
import { LineSplitter, matchesAuditQuery, parseAuditLine, type AuditQuery, type AuditRecord } from "#protocol";

/** Rotated files kept beside the live one: audit.jsonl.1 (newest) … audit.jsonl.4 (oldest). */
export const keptAuditFiles = 4;

/** The size at which the live file is rotated, unless `serve --audit-max-bytes` says otherwise. */
export const defaultAuditMaxBytes = 64 * 1024 * 1024;

const readChunkBytes = 1024 * 1024;

/** The audit files in the order their records were written: the oldest rotated one first, the live one last. */
export function auditFilesInOrder(file: string): string[] {
  return [...Array.from({ length: keptAuditFiles }, (_, i) => `${file}.${keptAuditFiles - i}`), file];
}

/**
 * Shifts audit.jsonl.3 → .4, …, audit.jsonl → .1 (the oldest kept file is replaced). Renames
 * only: the records are never copied, and a reader holding an old file keeps reading it whole.
 * @throws the rename's error when a file that exists cannot be moved
 */
export function rotateAuditFiles(file: string): void {
  for (let i = keptAuditFiles - 1; i >= 1; i--) {
    try {
      renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  renameSync(file, `${file}.1`);
}

/**
 * Reads the records matching `query` from every audit file, oldest first, keeping the newest
 * `query.limit` (all when unset). Files are read in 1 MiB chunks and only matching records are
 * kept, so the broker reads 320 MiB of history without holding it. `end` is the live file's
 * offset read up to (where `--tail` continues). Missing files have no records.
 */
export async function readAuditFiles(file: string, query: AuditQuery): Promise<{ records: AuditRecord[]; end: number }> {
  const kept: AuditRecord[] = [];
  const limit = query.limit;
  const keep = (r: AuditRecord): void => {
    if (!matchesAuditQuery(r, query)) return;
    kept.push(r);
    if (limit !== undefined && kept.length >= 2 * limit + 1024) kept.splice(0, kept.length - limit);
  };
  let end = 0;
  for (const path of auditFilesInOrder(file)) {
    end = await scanFile(path, keep);
  }
  return { records: limit === undefined ? kept : kept.slice(Math.max(0, kept.length - limit)), end };
}

/** Feeds each complete record of `path` to `each`; returns the offset after the last complete line. */
async function scanFile(path: string, each: (r: AuditRecord) => void): Promise<number> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  try {
    const buf = Buffer.alloc(readChunkBytes);
    // A "line" longer than a chunk is no record: the splitter drops it.
    const lines = new LineSplitter(readChunkBytes);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      for (const line of lines.push(buf.subarray(0, bytesRead))) {
        const r = parseAuditLine(line);
        if (r !== undefined) each(r);
      }
    }
    // A record being appended (no newline yet) is read next time.
    return offset - lines.pendingBytes;
  } finally {
    await handle.close();
  }
}
