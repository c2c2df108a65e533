import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseAuditLines, validators } from "#protocol";
import { auditFilesInOrder, readAuditFiles } from "../../../broker/src/audit/audit-files.ts";
import { AuditLog } from "../../../broker/src/audit/audit-log.ts";
import type { Logger } from "../../../broker/src/log.ts";
import { makeTempDir } from "../../helpers/temp-dir.ts";

/** This test asserts on the file, not on what the log says. */
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

const dirs: { cleanup: () => void }[] = [];
afterEach(() => { for (const d of dirs.splice(0)) d.cleanup(); });
function tempFile(): string {
  const d = makeTempDir("remo-audit-rot-");
  dirs.push(d);
  return join(d.path, "audit.jsonl");
}

/** Records `n` successful gets named S<i> in batches of `batch`, letting each batch reach the file. */
async function writeGets(log: AuditLog, n: number, batch: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    log.record("secret.get", { project: "p", secret: `S${i}`, outcome: "ok", peer_uid: 1000 });
    if ((i + 1) % batch === 0) await log.drain();
  }
  await log.drain();
}

describe("AuditLog refusals", () => {
  it("writes a looping container's 5,000 denied gets of one name as the first one plus one record with count", async () => {
    const file = tempFile();
    const log = new AuditLog(file, silentLogger, { nowMs: Date.now });
    log.open();
    for (let i = 0; i < 5000; i++) log.record("secret.get", { project: "p", secret: "NOPE", outcome: "denied", peer_uid: 1000, peer_pid: 9 });
    log.record("secret.get", { project: "p", secret: "OK", outcome: "ok", peer_uid: 1000, peer_pid: 9 });
    await log.drain();
    const records = parseAuditLines(readFileSync(file, "utf8"));
    expect(records.map((r) => ({ ...r, ts: "-" }))).toEqual([
      { ts: "-", event: "secret.get", project: "p", secret: "NOPE", outcome: "denied", peer_uid: 1000, peer_pid: 9 },
      { ts: "-", event: "secret.get", project: "p", secret: "OK", outcome: "ok", peer_uid: 1000, peer_pid: 9 },
      { ts: "-", event: "secret.get", project: "p", secret: "NOPE", outcome: "denied", peer_uid: 1000, peer_pid: 9, count: 4999 },
    ]);
    for (const r of records) expect(validators.validateAuditRecord(r), JSON.stringify(validators.validateAuditRecord.errors)).toBe(true);
    expect(records.map((r) => r.ts)).toEqual(records.map((r) => r.ts).sort());
    log.closeSync();
  });
});

describe("AuditLog rotation", () => {
  it("rotates before a batch would pass max bytes, keeping .1 to .4, and reads back across them in order", async () => {
    const file = tempFile();
    const log = new AuditLog(file, silentLogger, { nowMs: Date.now, maxBytes: 4096 });
    log.open();
    // ~100 bytes a record, 10 per batch: a rotation every 4 batches; 250 records fill all 5 files.
    await writeGets(log, 250, 10);
    log.closeSync();
    for (const f of auditFilesInOrder(file)) {
      expect(existsSync(f), f).toBe(true);
      expect(statSync(f).size).toBeLessThanOrEqual(4096);
      expect(statSync(f).mode & 0o777).toBe(0o640);
    }
    expect(existsSync(`${file}.5`)).toBe(false);
    const { records } = await readAuditFiles(file, {});
    const secrets = records.map((r) => r.secret);
    // Oldest files dropped whole: what is left is a contiguous, ordered tail ending at the last record.
    const first = Number(secrets[0]?.slice(1));
    expect(secrets).toEqual(Array.from({ length: 250 - first }, (_, i) => `S${first + i}`));
    expect(first).toBeLessThan(250 - 4 * 30);
  });

  it("drops the oldest file once more than four are full", async () => {
    const file = tempFile();
    const log = new AuditLog(file, silentLogger, { nowMs: Date.now, maxBytes: 4096 });
    log.open();
    await writeGets(log, 400, 10);
    log.closeSync();
    const { records } = await readAuditFiles(file, {});
    expect(records.at(-1)?.secret).toBe("S399");
    expect(records.length).toBeLessThan(400);
    expect(records.length).toBeGreaterThan(4 * 30);
  });
});

describe("readAuditFiles", () => {
  it("applies the query and limit across files, newest last, and skips missing files and a torn last line", async () => {
    const file = tempFile();
    const line = (i: number, project: string): string => JSON.stringify({ ts: `2026-01-01T00:00:${String(i).padStart(2, "0")}.000Z`, event: "secret.get", project, secret: `S${i}`, outcome: "ok" }) + "\n";
    writeFileSync(`${file}.3`, line(1, "a") + line(2, "b"));
    writeFileSync(`${file}.1`, line(3, "a") + line(4, "a"));
    writeFileSync(file, line(5, "b") + line(6, "a") + "{\"ts\":\"2026-01-01T00:00:07.000Z\",\"ev");
    expect((await readAuditFiles(file, {})).records.map((r) => r.secret)).toEqual(["S1", "S2", "S3", "S4", "S5", "S6"]);
    expect((await readAuditFiles(file, { project: "a", limit: 2 })).records.map((r) => r.secret)).toEqual(["S4", "S6"]);
    expect((await readAuditFiles(file, { since: "2026-01-01T00:00:04.000Z" })).records.map((r) => r.secret)).toEqual(["S4", "S5", "S6"]);
    // `end` stops before the torn line, where --tail continues.
    expect((await readAuditFiles(file, {})).end).toBe(Buffer.byteLength(line(5, "b") + line(6, "a")));
  });

  it("reads a file larger than its 1 MiB chunk without losing a record at a chunk boundary", async () => {
    const file = tempFile();
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ ts: "2026-01-01T00:00:00.000Z", event: "secret.get", project: "p", secret: `S${i}`, outcome: "denied" }) + "\n");
    writeFileSync(file, lines.join(""));
    expect(statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
    const { records } = await readAuditFiles(file, {});
    expect(records.length).toBe(30_000);
    expect(records.at(-1)?.secret).toBe("S29999");
    expect((await readAuditFiles(file, { limit: 3 })).records.map((r) => r.secret)).toEqual(["S29997", "S29998", "S29999"]);
  });
});
