// Generated hostile input for both broker sockets: every message here is invalid by the
// wire protocol (docs/architecture.md#framing), so the only acceptable answers are protocol_error or a
// closed connection. Deterministic (seeded) so a failure can be replayed.

/** What a message is trying to break. */
export type HostileKind =
  | "truncated_json" | "random_bytes" | "non_utf8" | "oversized" | "oversized_no_newline" | "deep_nesting"
  | "not_an_object" | "bad_op" | "wrong_field_types" | "control_chars" | "proto_keys";

/** One hostile message: raw bytes to write on a fresh connection. */
export interface HostileMessage {
  kind: HostileKind;
  bytes: Buffer;
}

/** Small, fast, seeded PRNG (mulberry32): the same seed yields the same messages. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const notString: readonly unknown[] = [5, -1, 1.5, null, true, [], {}, ["X"], { toString: "X" }];
const notAllowlist: readonly unknown[] = ["A", "A,B", null, 5, {}, [5], ["bad name"], ["A", "A"], [""], ["X".repeat(129)], Array.from({ length: 1025 }, (_, i) => `N${i}`)];
const adminFields: Record<string, Record<string, readonly unknown[]>> = {
  "register": { name: notString, project_path: notString, allowlist: notAllowlist, peer_uids: ["0", 5, [-1], ["X"], [1.5], {}], socket_owner: [0, null, ["0:0"]] },
  "unregister": { name: notString },
  "reload": { name: notString, allowlist: notAllowlist },
  "push-creds": { ciphertext_b64: notString, project: notString },
  "clear-creds": { project: notString },
  "audit": { since: [5, null, true, []], limit: ["5", 0, 1.5, -1, null, 10001], project: notString },
};

const line = (s: string): Buffer => Buffer.from(s + "\n", "utf8");

/** Generates `count` hostile messages for a socket whose valid ops are `ops`. */
export function generateHostileMessages(count: number, seed: number, ops: readonly string[]): HostileMessage[] {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const op = (): string => pick(ops);
  const valid = (): string => JSON.stringify({ op: op(), name: "GITHUB_TOKEN", project: "demo", ciphertext_b64: "YWdl", project_path: "/tmp/x" });

  const makers: Record<HostileKind, () => Buffer> = {
    truncated_json: () => {
      const v = valid();
      for (;;) {
        const cut = v.slice(0, 1 + int(v.length - 2));
        try { JSON.parse(cut); } catch { return line(cut); }
      }
    },
    random_bytes: () => {
      const b = Buffer.alloc(1 + int(2000));
      for (let i = 0; i < b.length; i++) b[i] = int(256);
      // Any newline inside would only make more (equally invalid) messages; keep one per message.
      for (let i = 0; i < b.length; i++) if (b[i] === 0x0a) b[i] = 0x20;
      b[0] = 0x7b; // "{": looks like JSON to a lazy parser
      return Buffer.concat([b, Buffer.from("\n")]);
    },
    non_utf8: () => {
      const bad = pick([[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]);
      const [head, tail] = [`{"op":"${op()}","name":"GIT`, "HUB_TOKEN\"}\n"];
      return Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]);
    },
    oversized: () => line(JSON.stringify({ op: op(), name: "A".repeat(64 * 1024 + int(256 * 1024)) })),
    oversized_no_newline: () => Buffer.from(`{"op":"${op()}","name":"` + "B".repeat(64 * 1024 + 1 + int(128 * 1024))),
    deep_nesting: () => {
      const depth = 1000 + int(30_000);
      const [o, c] = rnd() < 0.5 ? ["[", "]"] : ["{\"a\":", "}"];
      const nested = o.repeat(depth) + "1" + c.repeat(depth);
      // Over 64 KiB this also exercises the size cap; under it, the parser and validator.
      // Nested where a string is required (the op itself, or a get's name), so it can never be valid.
      return line(rnd() < 0.5 || !ops.includes("get") ? `{"op":${nested}}` : `{"op":"get","name":${nested}}`);
    },
    not_an_object: () => line(pick(["[]", "[{\"op\":\"ping\"}]", "1", "-0", "1e999", "\"get\"", "null", "true", "false", "\"\"", ""].map((s) => s === "" ? " " : s))),
    bad_op: () => line(JSON.stringify(pick<unknown>([{}, { op: 5 }, { op: null }, { op: "GET" }, { op: "nope" }, { op: ["get"] }, { op: { op: "get" } }, { op: "" }, { op: "get\u0000" }, { name: "X" }]))),
    wrong_field_types: () => {
      // Only fields the schema types (extra fields are allowed by wire.v2), each with a value of the wrong type.
      const o = ops.includes("push-creds") ? pick(Object.keys(adminFields)) : "get";
      const fields = o === "get" ? { name: notString } : adminFields[o]!;
      const field = pick(Object.keys(fields));
      const base: Record<string, unknown> = o === "register" ? { name: "demo", project_path: "/tmp/x" } : o === "push-creds" ? { ciphertext_b64: "YWdl" } : o === "get" || o === "unregister" || o === "reload" ? { name: "demo" } : {};
      return line(JSON.stringify({ op: o, ...base, [field]: pick(fields[field]!) }));
    },
    control_chars: () => {
      const c = String.fromCharCode(pick([0, 1, 7, 8, 0x0b, 0x0c, 0x0d, 0x1b, 0x1f]));
      return line(`{"op":"${op()}","name":"GIT${c}HUB"}`);
    },
    proto_keys: () => line(pick([
      "{\"__proto__\":{\"op\":\"ping\"}}",
      "{\"constructor\":{\"prototype\":{\"op\":\"ping\"}}}",
      "{\"__proto__\":{\"op\":\"get\",\"name\":\"X\"},\"name\":\"X\"}",
      "{\"op\":{\"__proto__\":\"get\"}}",
    ])),
  };

  const kinds = Object.keys(makers) as HostileKind[];
  const out: HostileMessage[] = [];
  for (let i = 0; i < count; i++) {
    // Size-heavy kinds are rarer so 10,000 messages stay quick on a loaded machine.
    let kind = kinds[i % kinds.length]!;
    if ((kind === "oversized" || kind === "oversized_no_newline" || kind === "deep_nesting") && rnd() < 0.7) kind = "truncated_json";
    out.push({ kind, bytes: makers[kind]() });
  }
  return out;
}
