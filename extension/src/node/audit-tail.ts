// Follows the node's audit log over one long-running exec (`remo-broker audit --tail --json`).
// Lines are split on bytes by protocol's NdjsonDecoder, so a UTF-8 character that arrives split
// across two SSH data chunks is decoded whole instead of as two replacement characters.
import type { Client, ClientChannel } from "ssh2";
import { NdjsonDecoder, parseAuditLines, type AuditRecord } from "#protocol";
import { NodeError } from "./errors.ts";
import { stopChannel } from "./exec.ts";

/** An audit line longer than this is not a record the broker writes: the tail stops with an error. */
const maxAuditLineBytes = 1024 * 1024;

/**
 * Turns the tail's output chunks into audit records. Lines that are not UTF-8 or not a record
 * are skipped, as a partial line always was; an overlong line ends the stream (it cannot be
 * resynchronised) and is reported once through `onError`.
 */
export class AuditLineReader {
  private readonly decoder = new NdjsonDecoder(maxAuditLineBytes);

  constructor(private readonly onRecords: (r: AuditRecord[]) => void, private readonly onError: (message: string) => void) {}

  /** Feeds one chunk of the tail's stdout. */
  push(chunk: Uint8Array): void {
    const lines: string[] = [];
    for (const frame of this.decoder.push(chunk)) {
      if (frame.kind === "line") lines.push(frame.text);
      else if (frame.error === "oversize") this.onError(frame.message);
    }
    const records = parseAuditLines(lines.join("\n"));
    if (records.length > 0) this.onRecords(records);
  }
}

/**
 * Runs `command` (the tail) on the session and reports records as they arrive, until disposed.
 * `onError` hears why the tail could not start or ended on its own.
 */
export function tailAuditCommand(client: Client, nodeName: string, command: string, onRecords: (r: AuditRecord[]) => void, onError?: (e: Error) => void): { dispose(): void } {
  let channel: ClientChannel | undefined;
  let disposed = false;
  let failed = false;
  client.exec(command, (err, stream) => {
    if (err) {
      onError?.(new NodeError("ssh_unreachable", `Could not follow the audit log on ${nodeName}: ${err.message}`));
      return;
    }
    channel = stream;
    if (disposed) {
      stopChannel(stream);
      return;
    }
    const reader = new AuditLineReader(onRecords, (message) => {
      if (failed) return;
      failed = true;
      onError?.(new NodeError("broker_error", `The audit tail on ${nodeName} sent a line it cannot read (${message}); it stopped following.`));
      stopChannel(stream);
    });
    stream.on("data", (chunk: Buffer) => { reader.push(chunk); });
    stream.stderr.on("data", () => undefined);
    stream.on("close", () => { if (!disposed && !failed) onError?.(new NodeError("broker_error", `The audit tail on ${nodeName} ended.`)); });
  });
  return {
    dispose: () => {
      disposed = true;
      if (channel !== undefined) stopChannel(channel);
    },
  };
}
