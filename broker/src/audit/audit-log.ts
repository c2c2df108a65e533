import { close, closeSync, constants, fchmodSync, fstatSync, ftruncate, mkdirSync, openSync, write, writeSync } from "node:fs";
import { dirname } from "node:path";
import { formatTimestamp, type AuditEvent } from "#protocol";
import { isRefusal, RefusalAggregator, type QueuedRecord } from "./audit-aggregate.ts";
import { auditLine, type AuditFields } from "./audit-record.ts";
import { defaultAuditMaxBytes, rotateAuditFiles } from "./audit-files.ts";
import type { Logger } from "../log.ts";

const flushDelayMs = 20;
/** Flush at once past this many queued records, bounding memory and batch size under load. */
const maxQueued = 4096;

/** Options for {@link AuditLog}. */
export interface AuditLogOptions {
  /** The live file is rotated (audit.jsonl → .1 … .4) before a batch would take it past this. */
  maxBytes?: number;
  /** The broker's clock in ms: record times, refusal windows, open retries. */
  nowMs: () => number;
}

/**
 * Append-only JSON lines, mode 0640. Records are queued and written in batches off the
 * request path, so a get never waits for the disk. Repeated identical refusals become one
 * record with a `count`, and the file rotates at `maxBytes`, so a looping container cannot
 * fill the disk. When the file cannot be written the broker keeps serving and `status`
 * says so (audit_writable).
 */
export class AuditLog {
  private fd: number | undefined;
  /** Records not yet written: serialised at flush time, so a get only pays for a push onto this array. */
  private queue: QueuedRecord[] = [];
  private readonly refusals = new RefusalAggregator();
  private refusalTimer: NodeJS.Timeout | undefined;
  private readonly maxBytes: number;
  private readonly nowMs: () => number;
  private lastMs = -1;
  private lastTs = "";
  private flushing = false;
  private scheduled = false;
  private lastError: string | undefined;
  private lastOpenAttempt = 0;
  /** Bytes in the file as far as we know: where a failed batch is cut back to, so no torn line stays. */
  private size = 0;
  private readonly idle: (() => void)[] = [];

  constructor(readonly file: string, private readonly logger: Logger, options: AuditLogOptions) {
    this.maxBytes = options.maxBytes ?? defaultAuditMaxBytes;
    this.nowMs = options.nowMs;
  }

  /**
   * Opens (creating 0640) the file; failure is reported, not thrown. Never through a symlink:
   * the file is opened O_NOFOLLOW and its mode is fixed on that descriptor, so a link planted
   * in its place is neither appended to nor chmod'ed.
   */
  open(): void {
    this.lastOpenAttempt = this.nowMs();
    try {
      // 0750/0640 so the audit group may read it (docs/architecture.md#audit); set explicitly because serve runs with umask 077.
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
      this.size = st.size;
      // lastError stays until a write succeeds: opening for append works on a full disk too,
      // and status must not report the file writable on the strength of an open alone.
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
    const ms = this.nowMs();
    if (isRefusal(event, fields)) {
      this.refusals.add(event, fields, ms, this.enqueue);
      this.armRefusalTimer();
      return;
    }
    this.enqueue({ event, fields, ms, count: 1 });
  }

  private readonly enqueue = (r: QueuedRecord): void => {
    this.queue.push(r);
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
  };

  /** Writes out refusal windows as they close (one timer for all of them). */
  private armRefusalTimer(): void {
    const at = this.refusals.nextCloseMs;
    if (this.refusalTimer !== undefined || at === undefined) return;
    this.refusalTimer = setTimeout(() => {
      this.refusalTimer = undefined;
      this.refusals.closeExpired(this.nowMs(), this.enqueue);
      this.armRefusalTimer();
    }, Math.max(1, at - this.nowMs()));
  }

  /** Queues every open refusal window (drain and shutdown: nothing may wait for its second to pass). */
  private closeRefusals(): void {
    clearTimeout(this.refusalTimer);
    this.refusalTimer = undefined;
    this.refusals.closeAll(this.nowMs(), this.enqueue);
  }

  /** Resolves once every queued record has been handed to the kernel. */
  drain(): Promise<void> {
    this.closeRefusals();
    if (this.queue.length === 0 && !this.flushing) return Promise.resolve();
    const done = new Promise<void>((resolve) => { this.idle.push(resolve); });
    this.flush();
    return done;
  }

  /** Writes what is queued synchronously and closes the file (at shutdown). */
  closeSync(): void {
    this.closeRefusals();
    if (this.fd !== undefined && this.queue.length > 0 && !this.flushing) {
      try {
        const batch = this.serializeQueue();
        writeSync(this.fd, batch);
        this.size += Buffer.byteLength(batch);
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
    if (this.fd === undefined && this.nowMs() - this.lastOpenAttempt > 5000) this.open();
    const fd = this.currentFd();
    if (fd === undefined) {
      this.queue = [];
      this.settle();
      return;
    }
    const batch = Buffer.from(this.serializeQueue(), "utf8");
    const fdNow = this.size > 0 && this.size + batch.length > this.maxBytes ? this.rotate(fd) : fd;
    if (fdNow === undefined) {
      // The fresh file could not be opened: reported by open(), retried at the next flush.
      this.settle();
      return;
    }
    this.flushing = true;
    this.writeAll(fdNow, batch, 0, (err) => {
      this.flushing = false;
      if (err) this.fail(err);
      else this.lastError = undefined;
      this.flush();
    });
  }

  /**
   * Writes all of `batch`: a nearly full disk accepts part of a write without an error, and only
   * the next write reports ENOSPC. On failure the file is cut back to where the batch began, so a
   * reader never meets a torn line and the next record starts on a line of its own.
   */
  private writeAll(fd: number, batch: Buffer, offset: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    write(fd, batch, offset, batch.length - offset, null, (err, written) => {
      if (err) {
        const start = this.size;
        ftruncate(fd, start, () => { done(err); });
        return;
      }
      if (offset + written < batch.length) {
        this.writeAll(fd, batch, offset + written, done);
        return;
      }
      this.size += batch.length;
      done(null);
    });
  }

  /**
   * Moves the live file to audit.jsonl.1 (and older ones along) and opens a fresh one; returns
   * the descriptor to write to (undefined when the fresh file cannot be opened). If the rename
   * fails the records still go to the old file.
   */
  private rotate(fd: number): number | undefined {
    try {
      rotateAuditFiles(this.file);
    } catch (e) {
      this.logger.warn(`audit file ${this.file} could not be rotated (${(e as NodeJS.ErrnoException).code ?? "error"}); it keeps growing`);
      return fd;
    }
    this.fd = undefined;
    closeSync(fd);
    this.open();
    return this.fd;
  }

  /** Turns the queued records into JSON lines and empties the queue. */
  private serializeQueue(): string {
    let out = "";
    for (const { event, fields, ms, count } of this.queue) {
      if (ms !== this.lastMs) {
        this.lastMs = ms;
        this.lastTs = formatTimestamp(new Date(ms));
      }
      out += auditLine(event, count > 1 ? { ...fields, count } : fields, this.lastTs);
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
