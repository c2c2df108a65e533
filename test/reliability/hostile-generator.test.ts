// The hostile-input test is only meaningful if every generated message is invalid: this
// runs each one through the protocol's own framing, parsing and schema checks.
import { ADMIN_OPS, NdjsonDecoder, PROJECT_OPS, checkAdminRequest, checkProjectRequest, parseMessage } from "#protocol";
import { describe, expect, it } from "vitest";
import { generateHostileMessages } from "./hostile-messages.ts";
import type { HostileKind } from "./hostile-messages.ts";

/** The first stage at which the protocol rejects `bytes`, or "valid". */
function firstRejection(bytes: Buffer, admin: boolean): string {
  const d = new NdjsonDecoder();
  const frames = [...d.push(bytes), ...d.end()];
  const first = frames[0];
  if (!first) return "no complete line";
  if (first.kind === "error") return `framing: ${first.error}`;
  const parsed = parseMessage(first.text);
  if (!parsed.ok) return "parse";
  const checked = admin ? checkAdminRequest(parsed.value) : checkProjectRequest(parsed.value);
  return checked.ok ? "valid" : "schema";
}

describe("hostile message generator", () => {
  for (const [socket, ops] of [["project", PROJECT_OPS], ["admin", ADMIN_OPS]] as const) {
    it(`makes only messages the protocol rejects (${socket} socket), of every kind`, () => {
      const messages = generateHostileMessages(3000, 7, ops);
      const valid = messages.filter((m) => firstRejection(m.bytes, socket === "admin") === "valid").map((m) => `${m.kind}: ${m.bytes.toString("latin1").slice(0, 120)}`);
      expect(valid).toEqual([]);
      const kinds = new Set<HostileKind>(messages.map((m) => m.kind));
      expect([...kinds].sort()).toEqual(["bad_op", "control_chars", "deep_nesting", "non_utf8", "not_an_object", "oversized", "oversized_no_newline", "proto_keys", "random_bytes", "truncated_json", "wrong_field_types"]);
    });
  }

  it("has a checker that does see valid messages (control)", () => {
    expect(firstRejection(Buffer.from("{\"op\":\"ping\",\"extra\":[[1]]}\n"), false)).toBe("valid");
    expect(firstRejection(Buffer.from("{\"op\":\"status\"}\n"), true)).toBe("valid");
  });

  it("is deterministic for a seed", () => {
    const a = generateHostileMessages(200, 42, PROJECT_OPS).map((m) => m.bytes.toString("base64"));
    const b = generateHostileMessages(200, 42, PROJECT_OPS).map((m) => m.bytes.toString("base64"));
    expect(a).toEqual(b);
  });
});
