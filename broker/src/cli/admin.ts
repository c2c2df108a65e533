import { resolve } from "node:path";
import { adminSocketPath, ADMIN_OPS, DEFAULT_RUNTIME_DIR, secretNamePattern, type AdminOp, type AdminRequest } from "#protocol";
import { flag, numberFlag, parseArgs, UsageError, type ParsedArgs } from "./args.ts";
import { maxOwnerId, parseSocketOwner } from "../projects/registry.ts";
import type { CliIo } from "./io.ts";
import { ClientError, sendRequest, type ClientFailure } from "./socket-client.ts";

/** Exit codes of `remo-broker admin` (documented in its usage text). */
export const adminExitCodes = { ok: 0, refused: 1, usage: 2, not_running: 3, permission_denied: 4, io_error: 5, timeout: 5, bad_reply: 5 } as const satisfies Record<"ok" | "refused" | "usage" | ClientFailure, number>;

/** The largest ciphertext that fits the wire schema's 60000 base64 characters. */
export const maxCiphertextBytes = 45_000;

const spec = {
  values: ["runtime-dir", "socket", "name", "project-path", "project", "allowlist", "peer-uid", "socket-owner", "since", "limit", "timeout"],
  repeat: ["peer-uid"],
};

/**
 * Parses `--allowlist A,B,C` (the approved names; `--allowlist ""` approves none). Pure.
 * @throws UsageError for a malformed or repeated name
 */
export function parseAllowlistFlag(raw: string): string[] {
  const names = raw.split(",").map((n) => n.trim()).filter((n) => n !== "");
  const seen = new Set<string>();
  for (const n of names) {
    if (!secretNamePattern.test(n)) throw new UsageError(`--allowlist names must each be 1 to 128 of A-Z a-z 0-9 _ (comma-separated), got "${n.slice(0, 140)}"`);
    if (seen.has(n)) throw new UsageError(`--allowlist lists "${n}" twice`);
    seen.add(n);
  }
  return names;
}

/** Builds the request for an op from flags; stdin is read only for push-creds. */
export async function buildAdminRequest(op: AdminOp, args: ParsedArgs, io: CliIo): Promise<AdminRequest> {
  const need = (name: string): string => {
    const v = flag(args, name);
    if (v === undefined) throw new UsageError(`${op} needs --${name}`);
    return v;
  };
  const project = flag(args, "project");
  switch (op) {
    case "register": {
      // Resolved here so `--project-path .` works; the broker needs an absolute path.
      const req: AdminRequest = { op, name: need("name"), project_path: resolve(need("project-path")) };
      const allowlist = flag(args, "allowlist");
      if (allowlist !== undefined) req.allowlist = parseAllowlistFlag(allowlist);
      const uids = args.values.get("peer-uid");
      if (uids !== undefined) {
        req.peer_uids = uids.map((u) => {
          if (!/^\d{1,10}$/.test(u)) throw new UsageError(`--peer-uid must be a numeric UID, got "${u}"`);
          return Number(u);
        });
      }
      const owner = flag(args, "socket-owner");
      if (owner !== undefined) {
        if (parseSocketOwner(owner) === undefined) throw new UsageError(`--socket-owner must be UID:GID, each a number at most ${maxOwnerId}, got "${owner}"`);
        req.socket_owner = owner;
      }
      return req;
    }
    case "unregister":
      return { op, name: need("name") };
    case "reload": {
      const allowlist = flag(args, "allowlist");
      return allowlist === undefined ? { op, name: need("name") } : { op, name: need("name"), allowlist: parseAllowlistFlag(allowlist) };
    }
    case "status":
    case "get-public-key":
      return { op };
    case "push-creds": {
      if (io.stdinIsTty()) throw new UsageError("push-creds reads the age ciphertext from stdin: pipe it in (e.g. `age -r <recipient> bundle.toml | remo-broker admin push-creds`)");
      const data = await io.readStdin();
      if (data.length === 0) throw new UsageError("push-creds read nothing from stdin: pipe the age-encrypted bundle in (e.g. `age -r <recipient> bundle.toml | remo-broker admin push-creds`)");
      if (data.length > maxCiphertextBytes) throw new UsageError(`the ciphertext is ${data.length} bytes; at most ${maxCiphertextBytes} fit one push. Split the secrets into per-project bundles (--project).`);
      return project === undefined ? { op, ciphertext_b64: data.toString("base64") } : { op, ciphertext_b64: data.toString("base64"), project };
    }
    case "clear-creds":
      return project === undefined ? { op } : { op, project };
    case "audit": {
      const req: AdminRequest = { op };
      const since = flag(args, "since");
      if (since !== undefined) {
        if (Number.isNaN(Date.parse(since))) throw new UsageError(`--since must be an RFC 3339 time, e.g. 2026-01-01T00:00:00Z, got "${since}"`);
        req.since = new Date(since).toISOString();
      }
      if (flag(args, "limit") !== undefined) req.limit = numberFlag(args, "limit", 100, { integer: true, min: 1 });
      if (project !== undefined) req.project = project;
      return req;
    }
  }
}

/** `remo-broker admin [--runtime-dir DIR] <op> [...]`: one admin op; prints the JSON reply; exit 0 only when ok. */
export async function runAdmin(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, spec);
  const [op, ...extra] = args.positionals;
  if (op === undefined) throw new UsageError(`admin needs an op: ${ADMIN_OPS.join(", ")}`);
  if (!(ADMIN_OPS as readonly string[]).includes(op)) throw new UsageError(`unknown admin op "${op}": use one of ${ADMIN_OPS.join(", ")}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ""}"`);
  const request = await buildAdminRequest(op as AdminOp, args, io);
  const socket = flag(args, "socket") ?? adminSocketPath(flag(args, "runtime-dir") ?? io.env.REMO_BROKER_RUNTIME_DIR ?? DEFAULT_RUNTIME_DIR);
  const timeoutMs = numberFlag(args, "timeout", 30, { min: 0.001 }) * 1000;
  let reply: Record<string, unknown>;
  try {
    reply = await sendRequest(socket, request, timeoutMs);
  } catch (e) {
    if (e instanceof ClientError) {
      io.stderr(`remo-broker admin: ${e.message}\n`);
      return adminExitCodes[e.kind];
    }
    throw e;
  }
  io.stdout(JSON.stringify(reply, null, 2) + "\n");
  if (reply.ok === true) return adminExitCodes.ok;
  io.stderr(`remo-broker admin ${op}: ${typeof reply.code === "string" ? reply.code : "error"}: ${typeof reply.message === "string" ? reply.message : "the broker refused the request"}\n`);
  return adminExitCodes.refused;
}
