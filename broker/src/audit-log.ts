import { close, closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync, write, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { formatTimestamp, matchesAuditQuery, parseAuditLines, type AuditEvent, type AuditQuery, type AuditRecord } from "#protocol";
import type { Logger } from "./log.ts";

/** The fields of a record other than its timestamp and event; undefined ones are left out of the line. */
export type AuditFields = { [K in keyof Omit<AuditRecord, "ts" | "event">]?: AuditRecord[K] | undefined };

const maxDetail = 512;
const flushDelayMs = 20;
/** Flush at once past this many queued records, bounding memory and batch size under load. */
const maxQueued = 4096;

/** Builds one audit record; `detail` is trimmed to the schema's limit. Pure. */
export function buildAuditRecord(event: AuditEvent, fields: AuditFields, now: Date | string): AuditRecord {
  // Field by field rather than a generic copy: this runs for every get (see bench/broker.bench.mjs).
  const record: AuditRecord = { ts: typeof now === "string" ? now : formatTimestamp(now), event };
  if (fields.project !== undefined) record.project = fields.project;
  if (fields.secret !== undefined) record.secret = fields.secret;
  if (fields.outcome !== undefined) record.outcome = fields.outcome;
  if (fields.peer_uid !== undefined) record.peer_uid = fields.peer_uid;
  if (fields.peer_pid !== undefined) record.peer_pid = fields.peer_pid;
  if (fields.secret_count !== undefined) record.secret_count = fields.secret_count;
  if (fields.detail !== undefined) record.detail = fields.detail.length > maxDetail ? fields.detail.slice(0, maxDetail - 1) + "…" : fields.detail;
  return record;
}

/**
 * Serialises one record as its JSON line, exactly `JSON.stringify(buildAuditRecord(…)) + "\n"`
 * but without building the object (the flush does this for every get). Pure.
 */
export function auditLine(event: AuditEvent, fields: AuditFields, ts: string): string {
  let line = `{"ts":${JSON.stringify(ts)},"event":${JSON.stringify(event)}`;
  if (fields.project !== undefined) line += `,"project":${JSON.stringify(fields.project)}`;
  if (fields.secret !== undefined) line += `,"secret":${JSON.stringify(fields.secret)}`;
  if (fields.outcome !== undefined) line += `,"outcome":${JSON.stringify(fields.outcome)}`;
  if (fields.peer_uid !== undefined) line += `,"peer_uid":${JSON.stringify(fields.peer_uid)}`;
  if (fields.peer_pid !== undefined) line += `,"peer_pid":${JSON.stringify(fields.peer_pid)}`;
  if (fields.secret_count !== undefined) line += `,"secret_count":${JSON.stringify(fields.secret_count)}`;
  if (fields.detail !== undefined) line += `,"detail":${JSON.stringify(fields.detail.length > maxDetail ? fields.detail.slice(0, maxDetail - 1) + "…" : fields.detail)}`;
  return line + "}\n";
}

/**
 * Append-only JSON lines (DESIGN §5), mode 0640. Records are queued and written in
 * batches off the request path, so a get never waits for the disk. When the file
 * cannot be written the broker keeps serving and `status` says so (audit_writable).
 */
export class AuditLog {
  private fd: number | undefined;
  /** Records not yet written: serialised at flush time, so a get only pays for a push onto this array. */
  private queue: { event: AuditEvent; fields: AuditFields; ms: number }[] = [];
  private lastMs = -1;
  private lastTs = "";
  private flushing = false;
  private scheduled = false;
  private lastError: string | undefined;
  private lastOpenAttempt = 0;
  private readonly idle: (() => void)[] = [];

  constructor(readonly file: string, private readonly logger: Logger, private readonly nowMs: () => number = Date.now) {}

  /**
   * Opens (creating 0640) the file; failure is reported, not thrown. Never through a symlink:
   * the file is opened O_NOFOLLOW and its mode is fixed on that descriptor, so a link planted
   * in its place is neither appended to nor chmod'ed.
   */
  open(): void {
    this.lastOpenAttempt = Date.now();
    try {
      // 0750/0640 so the audit group may read it (DESIGN §5); set explicitly because serve runs with umask 077.
      const created = mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      if (created !== undefined) {
        const dfd = openSync(dirname(this.file), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        try {
          fchmodSync(dfd, 0o750);
        } finally {
          closeSync(dfd);
        }
      }
      const fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o640);
      const st = fstatSync(fd);
      if (!st.isFile()) {
        closeSync(fd);
        throw Object.assign(new Error(`${this.file} is not a regular file`), { code: "EINVAL" });
      }
      if ((st.mode & 0o777) !== 0o640) fchmodSync(fd, 0o640);
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
    this.queue.push({ event, fields, ms: this.nowMs() });
    if (this.queue.length >= maxQueued) {
      this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // Batch for 20 ms: one write per burst of gets instead of one per get keeps the disk and
      // the serialisation off the request path (p99 in bench/broker.bench.mjs). A SIGKILL loses
      // at most this window; SIGTERM drains it.
      setTimeout(() => {
        this.scheduled = false;
        this.flush();
      }, flushDelayMs);
    }
  }

  /** Resolves once every queued record has been handed to the kernel. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.flushing) return Promise.resolve();
    const done = new Promise<void>((resolve) => { this.idle.push(resolve); });
    this.flush();
    return done;
  }

  /** Writes what is queued synchronously and closes the file (at shutdown). */
  closeSync(): void {
    if (this.fd !== undefined && this.queue.length > 0 && !this.flushing) {
      try {
        writeSync(this.fd, this.serializeQueue());
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
    const batch = this.serializeQueue();
    this.flushing = true;
    write(fd, batch, null, "utf8", (err) => {
      this.flushing = false;
      if (err) this.fail(err);
      else if (this.lastError !== undefined) this.lastError = undefined;
      this.flush();
    });
  }

  /** Turns the queued records into JSON lines and empties the queue. */
  private serializeQueue(): string {
    let out = "";
    for (const { event, fields, ms } of this.queue) {
      if (ms !== this.lastMs) {
        this.lastMs = ms;
        this.lastTs = formatTimestamp(new Date(ms));
      }
      out += auditLine(event, fields, this.lastTs);
    }
    this.queue = [];
    return out;
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
