import { open, stat } from "node:fs/promises";
import { formatTimestamp, LineSplitter, matchesAuditQuery, parseAuditLine, type AuditQuery, type AuditRecord } from "#protocol";
import { readAuditFiles } from "../audit/audit-files.ts";
import { defaultPaths } from "../files/paths.ts";
import { flag, numberFlag, parseArgs, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";

/** Formats records as an aligned table (the default output). Pure. */
export function formatAuditTable(records: readonly AuditRecord[]): string {
  const head = ["TIME", "EVENT", "PROJECT", "SECRET", "OUTCOME", "PEER"];
  const rows = records.map((r) => [
    r.ts, r.event, r.project ?? "-", r.secret ?? (r.secret_count === undefined ? "-" : `(${r.secret_count} secrets)`), (r.outcome ?? "-") + (r.count === undefined ? "" : ` ×${r.count}`),
    r.peer_uid === undefined ? "-" : `uid ${r.peer_uid}${r.peer_pid === undefined ? "" : ` pid ${r.peer_pid}`}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]): string => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}

/** One line per record for --tail in table mode. Pure. */
export function formatAuditRow(r: AuditRecord): string {
  return formatAuditTable([r]).split("\n")[1] ?? "";
}

/**
 * `remo-broker audit [--audit-file FILE] [--since T] [--tail [--new-only]] [--json] [--project P] [--limit N]`: reads the
 * audit file directly. `--new-only` follows from the file's current end without printing the past, so a live view
 * never depends on the laptop's or the node's clock resolution.
 */
export async function runAudit(argv: readonly string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const args = parseArgs(argv, { values: ["audit-file", "since", "project", "limit"], booleans: ["tail", "json", "new-only"] });
  const newOnly = args.booleans.has("new-only");
  if (newOnly && !args.booleans.has("tail")) throw new UsageError("--new-only goes with --tail");
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0] ?? ""}"`);
  const file = flag(args, "audit-file") ?? defaultPaths.auditFile;
  const query: AuditQuery = {};
  const since = flag(args, "since");
  if (since !== undefined) {
    if (Number.isNaN(Date.parse(since))) throw new UsageError(`--since must be an RFC 3339 time, e.g. 2026-01-01T00:00:00Z, got "${since}"`);
    query.since = formatTimestamp(new Date(since));
  }
  const project = flag(args, "project");
  if (project !== undefined) query.project = project;
  if (flag(args, "limit") !== undefined) query.limit = numberFlag(args, "limit", 0, { integer: true, min: 1 });
  const json = args.booleans.has("json");
  let records: AuditRecord[];
  let end: number;
  try {
    ({ records, end } = await readAuditFiles(file, newOnly ? { limit: 0 } : query));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.stderr(`remo-broker audit: cannot read ${file} (${code ?? "error"}). ${code === "EACCES" ? "It is 0640: run as root or as a member of its group." : "Pass --audit-file FILE if the broker writes elsewhere."}\n`);
    return code === "EACCES" ? 4 : 1;
  }
  const selected = newOnly ? [] : records;
  if (json) io.stdout(selected.map((r) => JSON.stringify(r) + "\n").join(""));
  else if (!newOnly) io.stdout(formatAuditTable(selected));
  if (!args.booleans.has("tail")) return 0;
  await follow(file, end, { ...query, limit: Number.MAX_SAFE_INTEGER }, json, io, signal);
  return 0;
}

/** Where a follow has read to: the file offset, and the splitter holding an unfinished last line. */
interface FollowAt {
  offset: number;
  lines: LineSplitter;
}

/** Prints records appended after `from` until aborted (polls every 200 ms; follows a rotation to the new file). */
async function follow(file: string, from: number, query: AuditQuery, json: boolean, io: CliIo, signal?: AbortSignal): Promise<void> {
  // Continue exactly where the initial read stopped, so nothing appended in between is missed.
  let at: FollowAt = { offset: from, lines: new LineSplitter() };
  while (signal?.aborted !== true) {
    await new Promise((r) => setTimeout(r, 200));
    const size = await stat(file).then((s) => s.size, () => 0);
    if (size < at.offset) {
      // Rotated (or truncated): finish what the old file got before the rename, then start the new one at 0.
      await printFrom(`${file}.1`, at, query, json, io);
      at = { offset: 0, lines: new LineSplitter() };
    }
    if (size === at.offset) continue;
    at = await printFrom(file, at, query, json, io);
  }
}

/** Prints the complete records of `path` after `at.offset`; returns where the next read starts. */
async function printFrom(path: string, at: FollowAt, query: AuditQuery, json: boolean, io: CliIo): Promise<FollowAt> {
  let h;
  try {
    h = await open(path, "r");
  } catch {
    return at;
  }
  try {
    const size = (await h.stat()).size;
    if (size <= at.offset) return at;
    const buf = Buffer.alloc(size - at.offset);
    await h.read(buf, 0, buf.length, at.offset);
    for (const line of at.lines.push(buf)) {
      const r = parseAuditLine(line);
      if (r === undefined || !matchesAuditQuery(r, query)) continue;
      io.stdout(json ? JSON.stringify(r) + "\n" : formatAuditRow(r) + "\n");
    }
    return { offset: size, lines: at.lines };
  } finally {
    await h.close();
  }
}
