// What the status bar and "Show Broker Status" say about the workspace's node (pure).
import type { StatusResponse } from "#protocol";

/** What is known about the workspace's node right now. */
export interface BrokerStatusState {
  node?: string;
  project?: string;
  /** Undefined until checked. */
  reachable?: boolean;
  status?: StatusResponse;
  error?: string;
  checkedAt?: Date;
  lastPushAt?: string;
}

/** Text for the status bar item, its tooltip lines, and whether it needs the user's attention. */
export interface BrokerStatusView {
  text: string;
  lines: string[];
  warning: boolean;
}

/** Renders a status; `now` is injected so ages are testable. */
export function describeBrokerStatus(s: BrokerStatusState, now: Date): BrokerStatusView {
  if (s.node === undefined) {
    return { text: "$(key) Remo: no node", lines: ["No node for this workspace. Run \"Remo: Add Node…\" to add one."], warning: false };
  }
  const lines = [`Node: ${s.node}${s.project === undefined ? "" : ` (project ${s.project})`}`];
  let warning = false;
  let icon = "$(key)";
  if (s.reachable === undefined) {
    lines.push("Broker: not checked yet. Run \"Remo: Show Broker Status\".");
  } else if (!s.reachable) {
    icon = "$(debug-disconnect)";
    warning = true;
    lines.push(`Broker: unreachable${s.error === undefined ? "" : `: ${s.error}`}`);
  } else if (s.status !== undefined) {
    const st = s.status;
    lines.push(`Broker: reachable, version ${st.broker_version}, up ${formatAge(st.uptime_seconds)}`);
    const proj = s.project === undefined ? undefined : st.projects.find((p) => p.name === s.project);
    const count = proj?.secret_count ?? st.secret_count;
    const loadedAt = proj?.secrets_loaded_at ?? st.secrets_loaded_at;
    lines.push(loadedAt === null ? "Secrets loaded: none yet" : `Secrets loaded: ${count}, ${formatAge(ageSeconds(loadedAt, now))} ago`);
    if (s.project !== undefined && proj === undefined) lines.push(`Project ${s.project} is not registered on the node yet; a push registers it.`);
    lines.push(`Key source: ${describeKeySource(st.decryption_key_source)}`);
    if (st.decryption_key_source === "plaintext") {
      warning = true;
      icon = "$(warning)";
    }
    for (const w of st.warnings ?? []) lines.push(`Warning: ${w}`);
  }
  lines.push(s.lastPushAt === undefined ? "Last push: never from this laptop" : `Last push: ${formatAge(ageSeconds(s.lastPushAt, now))} ago`);
  return { text: `${icon} Remo: ${s.node}`, lines, warning };
}

/** Explains a key source in a sentence, with the plaintext tier flagged. */
export function describeKeySource(k: StatusResponse["decryption_key_source"]): string {
  switch (k) {
    case "tpm2": return "tpm2 (sealed to this node's TPM)";
    case "host-key": return "host-key (protects a copied bundle file, not a stolen disk image)";
    case "plaintext": return "plaintext key file: anyone who can read the node's disk can decrypt the secrets. Seal it with systemd-creds (TPM2) on the node";
  }
}

/** Seconds from an RFC 3339 time to `now` (0 for the future or an unparsable time). */
export function ageSeconds(iso: string, now: Date): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.max(0, Math.round((now.getTime() - t) / 1000));
}

/** A short human age: 45 s, 12 min, 3 h, 2 d. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}
