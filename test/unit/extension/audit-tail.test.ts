import type { AuditRecord } from "#protocol";
import { describe, expect, it } from "vitest";
import { AuditLineReader } from "../../../extension/src/node/audit-tail.ts";

const encoder = new TextEncoder();

/** A reader that collects what it reports. */
function collect(): { reader: AuditLineReader; records: AuditRecord[]; errors: string[] } {
  const records: AuditRecord[] = [];
  const errors: string[] = [];
  return { reader: new AuditLineReader((r) => { records.push(...r); }, (m) => { errors.push(m); }), records, errors };
}

describe("the audit tail's line reader", () => {
  it("decodes a multibyte character split across two chunks whole", () => {
    // "ü" is two bytes (0xc3 0xbc) and "🔑" four: cut inside each of them.
    const line = JSON.stringify({ ts: "2026-01-01T00:00:00Z", event: "secret.get", project: "müller", container: { name: "dev-🔑" } }) + "\n";
    const bytes = encoder.encode(line);
    const inUmlaut = bytes.indexOf(0xc3) + 1;
    const inKey = bytes.indexOf(0xf0) + 2;
    const { reader, records, errors } = collect();
    reader.push(bytes.subarray(0, inUmlaut));
    reader.push(bytes.subarray(inUmlaut, inKey));
    expect(records).toEqual([]);
    reader.push(bytes.subarray(inKey));
    expect(records).toEqual([JSON.parse(line)]);
    expect(errors).toEqual([]);
  });

  it("reports every record of a chunk, keeps a partial line for the next, and skips what is not a record", () => {
    const a = JSON.stringify({ ts: "2026-01-01T00:00:01Z", event: "secret.get" });
    const b = JSON.stringify({ ts: "2026-01-01T00:00:02Z", event: "peer.unexpected" });
    const { reader, records } = collect();
    reader.push(encoder.encode(`${a}\nnot json\n{"no":"ts"}\n${b.slice(0, 10)}`));
    expect(records).toEqual([JSON.parse(a)]);
    reader.push(encoder.encode(`${b.slice(10)}\n`));
    expect(records).toEqual([JSON.parse(a), JSON.parse(b)]);
  });

  it("skips a line that is not UTF-8 and goes on with the next", () => {
    const a = JSON.stringify({ ts: "2026-01-01T00:00:03Z", event: "secret.get" });
    const { reader, records, errors } = collect();
    reader.push(new Uint8Array([0xff, 0xfe, 0x0a]));
    reader.push(encoder.encode(`${a}\n`));
    expect(records).toEqual([JSON.parse(a)]);
    expect(errors).toEqual([]);
  });

  it("reports an overlong line once and reads nothing after it", () => {
    const { reader, records, errors } = collect();
    reader.push(new Uint8Array(1024 * 1024 + 1).fill(0x61));
    reader.push(encoder.encode(`${JSON.stringify({ ts: "2026-01-01T00:00:04Z", event: "secret.get" })}\n`));
    expect(records).toEqual([]);
    expect(errors).toEqual(["message exceeds 1048576 bytes"]);
  });
});
