import type { AuditEvent } from "#protocol";
import type { AuditFields } from "./audit-record.ts";

/** A record as the audit log queues it: event, fields, its time, and how many refusals it stands for (1 unless aggregated). */
export interface QueuedRecord {
  event: AuditEvent;
  fields: AuditFields;
  ms: number;
  count: number;
}

/** The window within which identical refusals become one record. */
export const aggregateWindowMs = 1000;

/** Open windows kept at most; past this they are all written out (memory stays bounded under a scan of names). */
const maxOpenWindows = 4096;

/**
 * True for a record that refuses a peer something: a get that was not answered with a value, or
 * a peer UID that may not use the socket. These are what a looping container repeats; everything
 * else (pushes, registrations, successful gets) is written as it happens.
 */
export function isRefusal(event: AuditEvent, fields: AuditFields): boolean {
  return (event === "secret.get" && fields.outcome !== undefined && fields.outcome !== "ok") || event === "peer.unexpected";
}

/** An open window: the refusal that opened it, the latest repeat's fields, and how many repeats. */
interface Window {
  opened: number;
  fields: AuditFields;
  event: AuditEvent;
  repeats: number;
}

/**
 * Folds repeated identical refusals (same event, project, secret, outcome and peer UID, within
 * one second of the first) into one record, so a container that loops on a denied name cannot
 * fill the disk. The first of a run is handed on at once; the repeats become one record with
 * their `count` when the window closes, stamped with that time, so the file stays in time order.
 * Pure apart from the times given.
 */
export class RefusalAggregator {
  private readonly open = new Map<string, Window>();

  constructor(private readonly windowMs: number = aggregateWindowMs) {}

  /** Adds one refusal at `ms`; `emit` receives the records to write now. */
  add(event: AuditEvent, fields: AuditFields, ms: number, emit: (r: QueuedRecord) => void): void {
    const key = `${event}\u0000${fields.project ?? ""}\u0000${fields.secret ?? ""}\u0000${fields.outcome ?? ""}\u0000${fields.peer_uid ?? ""}`;
    const current = this.open.get(key);
    if (current !== undefined) {
      if (ms - current.opened < this.windowMs) {
        current.repeats++;
        current.fields = fields;
        return;
      }
      this.open.delete(key);
      this.close(current, ms, emit);
    }
    emit({ event, fields, ms, count: 1 });
    this.open.set(key, { opened: ms, fields, event, repeats: 0 });
    if (this.open.size > maxOpenWindows) this.closeAll(ms, emit);
  }

  /** Hands on the repeats of every window opened a window length or more before `ms`. */
  closeExpired(ms: number, emit: (r: QueuedRecord) => void): void {
    // Insertion order is opening order, so the first window still open ends the scan.
    for (const [key, w] of this.open) {
      if (ms - w.opened < this.windowMs) break;
      this.open.delete(key);
      this.close(w, ms, emit);
    }
  }

  /** Hands on the repeats of every open window now (a drain, shutdown, or too many open windows). */
  closeAll(ms: number, emit: (r: QueuedRecord) => void): void {
    for (const w of this.open.values()) this.close(w, ms, emit);
    this.open.clear();
  }

  /** Windows still open. */
  get size(): number {
    return this.open.size;
  }

  /** When the oldest open window closes, or undefined when none is open. */
  get nextCloseMs(): number | undefined {
    for (const w of this.open.values()) return w.opened + this.windowMs;
    return undefined;
  }

  private close(w: Window, ms: number, emit: (r: QueuedRecord) => void): void {
    if (w.repeats > 0) emit({ event: w.event, fields: w.fields, ms, count: w.repeats });
  }
}
