import { close, mkdirSync, openSync, write, writeSync, fchmodSync, fstatSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { formatTimestamp, matchesAuditQuery, type AuditEvent, type AuditQuery, type AuditRecord } from "#protocol";
import type { Logger } from "./log.ts";

/** The fields of a record other than its timestamp and event. */
export type AuditFields = Omit<AuditRecord, "ts" | "event">;

const maxDetail = 512;

/** Builds one audit record; `detail` is trimmed to the schema's limit. Pure. */
export function buildAuditRecord(event: AuditEvent, fields: AuditFields, now: Date): AuditRecord {
  const record: AuditRecord = { ts: formatTimestamp(now), event };
  for (const [k, v] of Object.entries(fields) as [keyof AuditFields, AuditFields[keyof AuditFields]][]) {
    if (v !== undefined) (record as unknown as Record<string, unknown>)[k] = v;
  }
  if (record.detail !== undefined && record.detail.length > maxDetail) record.detail = record.detail.slice(0, maxDetail - 1) + "…";
  return record;
}

/**
 * Append-only JSON lines (DESIGN §5), mode 0640. Records are queued and written in
 * batches off the request path, so a get never waits for the disk. When the file
 * cannot be written the broker keeps serving and `status` says so (audit_writable).
 */
export class AuditLog {
  private fd: number | undefined;
  private queue: string[] = [];
  private flushing = false;
  private scheduled = false;
  private lastError: string | undefined;
  private lastOpenAttempt = 0;
  private readonly idle: (() => void)[] = [];

  constructor(readonly file: string, private readonly logger: Logger, private readonly now: () => Date = () => new Date()) {}

  /** Opens (creating 0640) the file; failure is reported, not thrown. */
  open(): void {
    this.lastOpenAttempt = Date.now();
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o750 });
      const fd = openSync(this.file, "a", 0o640);
      // The umask may have widened nothing but an existing file may be looser than 0640.
      if ((fstatSync(fd).mode & 0o137) !== 0) fchmodSync(fd, 0o640);
      this.fd = fd;
      this.lastError = undefined;
    } catch (e) {
      this.fail(e);
    }
  }

  /** True while records reach the file. */
  get writable(): boolean {
    return this.fd !== undefined && this.lastError === undefined;
  }

  /** A user-facing warning when the audit file is not being written, else undefined. */
  get warning(): string | undefined {
    return this.lastError === undefined
      ? undefined
      : `The audit file ${this.file} cannot be written (${this.lastError}); secrets are still served but accesses are not recorded. Fix the path or its permissions and restart the broker.`;
  }

  /** Queues one record. Callers pass names only, never a value. */
  record(event: AuditEvent, fields: AuditFields = {}): void {
    this.queue.push(JSON.stringify(buildAuditRecord(event, fields, this.now())) + "\n");
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Resolves once every queued record has been handed to the kernel. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => { this.idle.push(resolve); });
  }

  /** Writes what is queued synchronously and closes the file (at shutdown). */
  closeSync(): void {
    if (this.fd !== undefined && this.queue.length > 0 && !this.flushing) {
      try {
        writeSync(this.fd, this.queue.join(""));
      } catch (e) {
        this.fail(e);
      }
      this.queue = [];
    }
    if (this.fd !== undefined && !this.flushing) {
      const fd = this.fd;
      this.fd = undefined;
      close(fd, () => undefined);
    }
  }

  private flush(): void {
    if (this.flushing) return;
    if (this.queue.length === 0) {
      this.settle();
      return;
    }
    // Retry a failed open now and then: the operator may have fixed the path.
    if (this.fd === undefined && Date.now() - this.lastOpenAttempt > 5000) this.open();
    const fd = this.currentFd();
    if (fd === undefined) {
      this.queue = [];
      this.settle();
      return;
    }
    const batch = this.queue.join("");
    this.queue = [];
    this.flushing = true;
    write(fd, batch, null, "utf8", (err) => {
      this.flushing = false;
      if (err) this.fail(err);
      else if (this.lastError !== undefined) this.lastError = undefined;
      this.flush();
    });
  }

  private currentFd(): number | undefined {
    return this.fd;
  }

  private settle(): void {
    for (const r of this.idle.splice(0)) r();
  }

  private fail(e: unknown): void {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    if (this.lastError === undefined) this.logger.warn(`audit file ${this.file} is not writable (${code}); continuing without audit records`);
    this.lastError = code;
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      close(fd, () => undefined);
    }
  }
}

/** Parses audit lines, skipping any that are not records (a torn last line after a crash). Pure. */
export function parseAuditLines(text: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v === "object" && v !== null && typeof (v as AuditRecord).ts === "string" && typeof (v as AuditRecord).event === "string") out.push(v as AuditRecord);
    } catch {
      // a partial line: skip it
    }
  }
  return out;
}

/** Keeps the records matching `query`, the newest `limit` of them, in file order. Pure. */
export function selectAuditRecords(records: readonly AuditRecord[], query: AuditQuery): AuditRecord[] {
  const matched = records.filter((r) => matchesAuditQuery(r, query));
  return query.limit === undefined ? matched : matched.slice(Math.max(0, matched.length - query.limit));
}

const maxReadBytes = 16 * 1024 * 1024;

/** Reads the audit file's records (its last 16 MiB); a missing file has none. */
export async function readAuditFile(file: string): Promise<AuditRecord[]> {
  return (await readAuditFileAt(file)).records;
}

/** Like {@link readAuditFile}, also returning the byte offset read up to (where `--tail` continues). */
export async function readAuditFileAt(file: string): Promise<{ records: AuditRecord[]; end: number }> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { records: [], end: 0 };
    throw e;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxReadBytes);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    // Stop at the last complete line: a record being appended is read next time.
    const complete = buf.subarray(0, buf.lastIndexOf(0x0a) + 1);
    let text = complete.toString("utf8");
    // Reading from the middle: drop the first partial line.
    if (start > 0) text = text.slice(text.indexOf("\n") + 1);
    return { records: parseAuditLines(text), end: start + complete.length };
  } finally {
    await handle.close();
  }
}
