import { callBroker, requireAll, type CallOptions } from "./broker-calls.ts";
import { isClientError } from "./client-error.ts";
import { exitStatusFor } from "./exit-codes.ts";
import { writeJson, writeOut, type Io } from "./io.ts";
import { fetchSecrets } from "./secrets.ts";

/** `ping`: proves the broker answers and speaks protocol 2. */
export async function runPing(call: CallOptions, io: Io, json: boolean): Promise<number> {
  const { ping } = await callBroker(call, []);
  if (json) await writeJson(io.stdout, { ok: true, broker_version: ping.brokerVersion, protocol_version: ping.protocolVersion, project: ping.project });
  else await writeOut(io.stdout, `ok: broker ${ping.brokerVersion}, protocol ${ping.protocolVersion}, project ${ping.project}\n`);
  return 0;
}

/** `info`: the project's allowlist (names only). */
export async function runInfo(call: CallOptions, io: Io, json: boolean): Promise<number> {
  const [info] = requireAll((await callBroker(call, [{ op: "info" }])).outcomes);
  const allowlist = Array.isArray(info?.allowlist) ? info.allowlist.filter((n): n is string => typeof n === "string") : [];
  const project = typeof info?.project === "string" ? info.project : "unknown";
  if (json) await writeJson(io.stdout, { project, allowlist, schema_version: info?.schema_version });
  else await writeOut(io.stdout, `project: ${project}\nallowlist (${allowlist.length}): ${allowlist.join(", ") || "(empty)"}\n`);
  return 0;
}

/** A status summary: what `status` prints, as data. */
export interface StatusSummary {
  reachable: boolean;
  socket: string;
  broker_version?: string;
  protocol_version?: number;
  project?: string;
  allowlist_size?: number;
  available?: number;
  missing?: { name: string; code: string }[];
  code?: string;
  message?: string;
}

/**
 * `status [--brief]`: socket reachable, protocol, project, N of M secrets available.
 * Availability needs a `get` per name (the protocol has no cheaper question); the
 * values are dropped at once and never printed.
 */
export async function runStatus(call: CallOptions, io: Io, json: boolean, brief: boolean): Promise<number> {
  let summary: StatusSummary;
  let status = 0;
  try {
    const r = await fetchSecrets(call, []);
    summary = {
      reachable: true, socket: call.socketPath, broker_version: r.ping.brokerVersion, protocol_version: r.ping.protocolVersion,
      project: r.ping.project, allowlist_size: r.asked.length, available: r.values.length,
      missing: r.missing.map((m) => ({ name: m.name, code: m.error.code })),
    };
    if (r.missing[0]) status = exitStatusFor(r.missing[0].error.code);
    for (const v of r.values) v.bytes.fill(0);
  } catch (e) {
    if (!isClientError(e)) throw e;
    summary = { reachable: e.code !== "unreachable" && e.code !== "permission_denied" && e.code !== "timeout", socket: call.socketPath, code: e.code, message: e.message };
    status = exitStatusFor(e.code);
  }
  if (json) await writeJson(io.stdout, summary);
  else await writeOut(io.stdout, brief ? formatBrief(summary) : formatStatus(summary));
  return status;
}

const pushHint = "run 'Remo: Push Secrets' in VS Code on your laptop";

/** One line for a shell's start-up: never a value, only names and counts. */
export function formatBrief(s: StatusSummary): string {
  if (s.message !== undefined) return `remo-secrets: ${s.message}\n`;
  const missing = s.missing ?? [];
  const tail = missing.length === 0 ? "" : ` (missing: ${missing.map((m) => m.name).join(", ")}: ${pushHint})`;
  return `remo-secrets: project ${s.project ?? "?"}, ${s.available ?? 0} of ${s.allowlist_size ?? 0} secrets available${tail}\n`;
}

/** The human summary, one fact per line. */
export function formatStatus(s: StatusSummary): string {
  if (s.message !== undefined) {
    return `socket:   ${s.socket} (${s.reachable ? "reachable" : "NOT reachable"})\nproblem:  ${s.message}\n`;
  }
  const missing = s.missing ?? [];
  return [
    `socket:   ${s.socket} (reachable)`,
    `protocol: ${s.protocol_version ?? "?"} (broker ${s.broker_version ?? "?"})`,
    `project:  ${s.project ?? "?"}`,
    `secrets:  ${s.available ?? 0} of ${s.allowlist_size ?? 0} available`,
    ...missing.map((m) => `  ${m.name}: ${m.code === "not_found" ? `not pushed yet (${pushHint})` : m.code}`),
  ].join("\n") + "\n";
}
