// The Remo view as data: what the laptop knows about this folder (manifest, nodes, values,
// approvals, the last status and audit fetched from each node) in, tree rows out. Pure, so
// every row and every context key is unit-tested without VS Code. Never takes a secret value:
// only names, where a value would come from, and whether one is there.
import type { AuditRecord, StatusResponse } from "#protocol";
import { ageSeconds, describeKeySource, formatAge } from "../status/broker-status.ts";
import { containerLabel } from "../audit-view/audit-data.ts";

/** How far back a Refresh reads the node's audit for the last container fetch of each name. */
export const fetchWindowDays = 30;

/** What one refresh learned from a node (on demand only, never in a loop). */
export interface NodeProbe {
  checkedAt: string;
  status?: StatusResponse;
  /** Why the status query failed. */
  error?: string;
  /** This project's successful container fetches of the last {@link fetchWindowDays} days, when the audit could be read. */
  fetches?: AuditRecord[];
  auditError?: string;
}

/** A node bound to this folder. */
export interface NodeInfo {
  name: string;
  /** `user@host:port` as messages show it. */
  host: string;
  projectPath: string;
  pins: { hostKeySha256?: string; jumpHostKeySha256?: string; recipient?: string; pinnedAt?: string };
  /** When this project was last pushed to the node from this laptop. */
  lastPushAt?: string;
  /** The names that push sent, when this laptop recorded them. */
  lastPushed?: string[];
  /** Names the user approved for this project on this node (undefined: never asked). */
  approved?: string[];
  probe?: NodeProbe;
}

/** Where a name's value would come from on this laptop; never the value. */
export interface ValueInfo {
  name: string;
  stored: boolean;
  /**
   * A configured source: its description (preset and reference, variable or program), a short
   * kind for the row (`env`, `command`, a preset's name) and whether it can give a value now.
   */
  source?: { label: string; short: string; available: boolean };
}

/** The folder's manifest as the view needs it. */
export type ManifestInfo =
  | { state: "none" }
  | { state: "invalid"; errors: number; first?: string }
  | { state: "ok"; project: string; names: string[] };

/** Everything the view shows, gathered by the provider. */
export interface ViewInput {
  /** The workspace folder's name; undefined when no folder is open. */
  folder?: string;
  /** The folder's URI: every row carries it, so a row's action acts on this folder. */
  folderUri?: string;
  manifest: ManifestInfo;
  nodes: NodeInfo[];
  values: ValueInfo[];
  now: Date;
}

/** One tree row. `node`/`secret` name what an inline action acts on. */
export interface ViewItem {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon id, e.g. `pass-filled`. */
  icon?: string;
  /** A theme color id for the icon. */
  iconColor?: string;
  /** Matched by `view/item/context` menus: remo.node, remo.secret, remo.secretOnNode, remo.info. */
  contextValue?: string;
  command?: { command: string; title: string; args?: string[] };
  children?: ViewItem[];
  expanded?: boolean;
  node?: string;
  secret?: string;
  /** The URI of the workspace folder the row belongs to. */
  folder?: string;
}

/** The context keys the walkthrough and the welcome views complete on. */
export interface ViewContext {
  hasFolder: boolean;
  hasManifest: boolean;
  hasNode: boolean;
  allValuesSet: boolean;
  pushed: boolean;
  containerFetched: boolean;
}

/** Both sections and the context keys. */
export interface ViewOutput {
  nodes: ViewItem[];
  secrets: ViewItem[];
  context: ViewContext;
}

/** Builds the whole view from `input` (one folder). */
export function buildView(input: ViewInput): ViewOutput {
  const project = input.manifest.state === "ok" ? input.manifest.project : undefined;
  const mark = (items: ViewItem[]): ViewItem[] => (input.folderUri === undefined ? items : inFolder(items, input.folderUri));
  return {
    nodes: mark(input.nodes.map((n) => nodeItem(n, input.now))),
    secrets: mark(secretItems(input)),
    context: viewContext(input, project),
  };
}

/**
 * Builds the view of a window's folders (in workspace order). With at most one Remo project
 * (a folder with a manifest) the view is that folder's, as in a single-folder window; with
 * several, each section has one top-level row per project folder holding that folder's rows.
 */
export function buildWorkspaceView(inputs: readonly ViewInput[], now = new Date()): ViewOutput {
  const projects = inputs.filter((i) => i.manifest.state !== "none");
  const [first] = projects.length > 0 ? projects : inputs;
  if (projects.length <= 1) return buildView(first ?? { manifest: { state: "none" }, nodes: [], values: [], now });
  const views = projects.map((i) => ({ input: i, view: buildView(i) }));
  const contexts = views.map((v) => v.view.context);
  return {
    nodes: views.map(({ input, view }) => folderItem(input, "nodes", view.nodes.length > 0 ? view.nodes : [info("none", "No node yet", "open a file of this folder, then Remo: Add Node…", "info")])),
    secrets: views.map(({ input, view }) => folderItem(input, "secrets", view.secrets.length > 0 ? view.secrets : [info("none", "No secret names", "the manifest's allowlist is empty", "info")])),
    // The walkthrough's steps are done when some project did them; values must be set for every project.
    context: {
      hasFolder: true,
      hasManifest: true,
      hasNode: contexts.some((c) => c.hasNode),
      allValuesSet: contexts.every((c) => c.allValuesSet),
      pushed: contexts.some((c) => c.pushed),
      containerFetched: contexts.some((c) => c.containerFetched),
    },
  };
}

/** A project folder's top-level row: its project name and folder name, its rows under it (their ids made unique per folder). */
function folderItem(input: ViewInput, section: "nodes" | "secrets", children: ViewItem[]): ViewItem {
  const key = input.folderUri ?? input.folder ?? "";
  const m = input.manifest;
  const label = m.state === "ok" ? m.project : input.folder ?? "folder";
  const description = m.state === "ok" ? input.folder ?? "" : `${input.folder ?? ""} · manifest has errors`;
  return {
    id: `folder:${key}:${section}`,
    label,
    description,
    tooltip: `${label}: the Remo project in the workspace folder ${input.folder ?? key}`,
    icon: m.state === "ok" ? "root-folder" : "warning",
    contextValue: "remo.folder",
    children: inFolder(children, key, `folder:${key}:`),
    expanded: true,
    folder: key,
  };
}

/** Marks each row (and its children) with the folder it belongs to, prefixing ids when asked. */
function inFolder(items: ViewItem[], folder: string, idPrefix = ""): ViewItem[] {
  return items.map((i) => ({ ...i, id: `${idPrefix}${i.id}`, folder, ...(i.children === undefined ? {} : { children: inFolder(i.children, folder, idPrefix) }) }));
}

/** The context keys from real state: a manifest, a bound node, every manifest name with a value, a push, a container fetch. */
export function viewContext(input: ViewInput, project = input.manifest.state === "ok" ? input.manifest.project : undefined): ViewContext {
  const names = input.manifest.state === "ok" ? input.manifest.names : [];
  const values = new Map(input.values.map((v) => [v.name, v]));
  return {
    hasFolder: input.folder !== undefined,
    hasManifest: input.manifest.state !== "none",
    hasNode: input.nodes.length > 0,
    allValuesSet: names.length > 0 && names.every((n) => hasValue(values.get(n))),
    pushed: project !== undefined && input.nodes.some((n) => n.lastPushAt !== undefined),
    containerFetched: project !== undefined && input.nodes.some((n) => (n.probe?.fetches ?? []).some((r) => r.project === project)),
  };
}

/** True when a push could read a value for this name right now (a command source counts without running it). */
export function hasValue(v: ValueInfo | undefined): boolean {
  return v !== undefined && (v.stored || v.source?.available === true);
}

function nodeItem(n: NodeInfo, now: Date): ViewItem {
  const id = `node:${n.name}`;
  const st = n.probe?.status;
  const broker = n.probe === undefined ? "not checked" : st !== undefined ? "reachable" : "unreachable";
  const push = n.lastPushAt === undefined ? "never pushed" : `pushed ${ago(n.lastPushAt, now)}`;
  const children: ViewItem[] = [
    info(`${id}:host`, "Host", `${n.host} · ${n.projectPath}`, "remote"),
    info(`${id}:hostkey`, "Host key", n.pins.hostKeySha256 ?? "not pinned", n.pins.hostKeySha256 === undefined ? "warning" : "lock",
      n.pins.pinnedAt === undefined ? undefined : `Pinned ${n.pins.pinnedAt}. A different key refuses every push; Re-pin after a deliberate change.`),
  ];
  if (n.pins.jumpHostKeySha256 !== undefined) children.push(info(`${id}:jumpkey`, "Jump host key", n.pins.jumpHostKeySha256, "lock"));
  children.push(info(`${id}:recipient`, "Broker key", shorten(n.pins.recipient) ?? "not pinned", n.pins.recipient === undefined ? "warning" : "key", n.pins.recipient));
  children.push(...brokerRows(id, n.probe, now));
  children.push(info(`${id}:push`, "Last push", n.lastPushAt === undefined ? "never from this laptop" : `${ago(n.lastPushAt, now)} (${n.lastPushAt})`, "cloud-upload"));
  const warn = n.probe !== undefined && (st === undefined || st.decryption_key_source === "plaintext");
  return {
    id,
    label: n.name,
    description: `${n.host} · ${broker} · ${push}`,
    tooltip: [`${n.name}: ${n.host}`, `Project path: ${n.projectPath}`, `Broker: ${broker}`, push].join("\n"),
    icon: warn ? "warning" : "server-environment",
    ...(warn ? { iconColor: "list.warningForeground" } : {}),
    contextValue: "remo.node",
    children,
    expanded: true,
    node: n.name,
  };
}

function brokerRows(id: string, probe: NodeProbe | undefined, now: Date): ViewItem[] {
  if (probe === undefined) {
    return [{ ...info(`${id}:broker`, "Broker", "not checked yet: Refresh asks the node", "question"), command: { command: "remo.refreshView", title: "Refresh" } }];
  }
  const st = probe.status;
  if (st === undefined) return [info(`${id}:broker`, "Broker", `unreachable (${ago(probe.checkedAt, now)}): ${probe.error ?? "no answer"}`, "debug-disconnect", probe.error)];
  const rows = [
    info(`${id}:broker`, "Broker", `reachable, version ${st.broker_version} (checked ${ago(probe.checkedAt, now)})`, "pass"),
    info(`${id}:keysource`, "Key source", st.decryption_key_source, st.decryption_key_source === "plaintext" ? "warning" : "shield", describeKeySource(st.decryption_key_source)),
  ];
  for (const [i, w] of (st.warnings ?? []).entries()) rows.push(info(`${id}:warning:${String(i)}`, "Warning", w, "warning"));
  if (probe.auditError !== undefined) rows.push(info(`${id}:audit`, "Audit", `could not be read: ${probe.auditError}`, "warning"));
  return rows;
}

function secretItems(input: ViewInput): ViewItem[] {
  const m = input.manifest;
  if (m.state === "none") return [];
  if (m.state === "invalid") {
    return [{
      ...info("manifest:invalid", "Manifest has errors", `${String(m.errors)} error(s)${m.first === undefined ? "" : `: ${m.first}`}`, "error"),
      command: { command: "workbench.actions.view.problems", title: "Show Problems" },
    }];
  }
  const values = new Map(input.values.map((v) => [v.name, v]));
  return m.names.map((name) => secretItem(name, values.get(name), input.nodes, m.project, input.now));
}

function secretItem(name: string, v: ValueInfo | undefined, nodes: NodeInfo[], project: string, now: Date): ViewItem {
  const id = `secret:${name}`;
  const set = hasValue(v);
  const where = valueSource(v);
  const children: ViewItem[] = [{
    ...info(`${id}:value`, "Laptop value", where, set ? "pass-filled" : "circle-large-outline"),
    ...(set ? {} : { command: { command: "remo.setSecret", title: "Set Value", args: [name] } }),
    contextValue: "remo.secretValue",
    secret: name,
  }];
  for (const n of nodes) children.push(secretOnNode(id, name, n, project, now));
  const pushedTo = nodes.filter((n) => pushedTo1(name, n)).map((n) => n.name);
  return {
    id,
    label: name,
    description: `${set ? "set" : "no value"} · ${short(v)}${pushedTo.length === 0 ? "" : ` · on ${pushedTo.join(", ")}`}`,
    tooltip: `${name}\nValue on this laptop: ${where}\nThe value itself is never shown here.`,
    icon: set ? "pass-filled" : v?.source?.available === false ? "warning" : "circle-large-outline",
    iconColor: set ? "testing.iconPassed" : "list.warningForeground",
    contextValue: "remo.secret",
    children,
    expanded: false,
    secret: name,
  };
}

function secretOnNode(parent: string, name: string, n: NodeInfo, project: string, now: Date): ViewItem {
  const parts: string[] = [];
  const approved = n.approved?.includes(name) === true;
  parts.push(n.approved === undefined ? "not approved yet (the next push asks)" : approved ? "approved" : "not approved (never sent)");
  if (approved) parts.push(pushedTo1(name, n) && n.lastPushAt !== undefined ? `pushed ${ago(n.lastPushAt, now)}` : "not pushed yet");
  const last = lastFetch(n.probe?.fetches ?? [], project, name);
  if (last !== undefined) parts.push(`fetched ${ago(last.ts, now)} by ${fetchedBy(last)}`);
  else if (n.probe?.fetches !== undefined) parts.push(`not fetched in the last ${String(fetchWindowDays)} days`);
  return {
    id: `${parent}:node:${n.name}`,
    label: n.name,
    description: parts.join(" · "),
    tooltip: `${name} on ${n.name}: ${parts.join(", ")}${last === undefined ? "" : ` (${last.ts})`}`,
    icon: last !== undefined ? "vm-active" : approved ? "cloud" : "circle-slash",
    contextValue: "remo.secretOnNode",
    node: n.name,
    secret: name,
  };
}

/** Whether the node's last push from here carried `name`: approved, pushed, and not missing at that push. */
function pushedTo1(name: string, n: NodeInfo): boolean {
  if (n.lastPushAt === undefined || n.approved?.includes(name) !== true) return false;
  return n.lastPushed === undefined || n.lastPushed.includes(name);
}

/** The newest successful container fetch of `name` for `project`. */
export function lastFetch(records: readonly AuditRecord[], project: string, name: string): AuditRecord | undefined {
  let best: AuditRecord | undefined;
  for (const r of records) {
    if (r.event !== "secret.get" || r.outcome !== "ok" || r.secret !== name || r.project !== project) continue;
    if (best === undefined || Date.parse(r.ts) > Date.parse(best.ts)) best = r;
  }
  return best;
}

function fetchedBy(r: AuditRecord): string {
  const c = containerLabel(r).text;
  if (c !== "") return `container ${c}`;
  return r.peer_uid === undefined ? "a process" : `uid ${String(r.peer_uid)}${r.peer_pid === undefined ? "" : ` pid ${String(r.peer_pid)}`}`;
}

function valueSource(v: ValueInfo | undefined): string {
  if (v?.stored === true) return "stored in SecretStorage (OS keychain)";
  if (v?.source !== undefined) return v.source.available ? `from ${v.source.label}` : `${v.source.label}: not set in VS Code's environment`;
  return "not set on this laptop: Set Value";
}

function short(v: ValueInfo | undefined): string {
  if (v?.stored === true) return "SecretStorage";
  if (v?.source !== undefined) return v.source.short;
  return "no source";
}

function info(id: string, label: string, description: string, icon: string, tooltip?: string): ViewItem {
  return { id, label, description, icon, contextValue: "remo.info", ...(tooltip === undefined ? {} : { tooltip }) };
}

function ago(iso: string, now: Date): string {
  return `${formatAge(ageSeconds(iso, now))} ago`;
}

function shorten(recipient: string | undefined): string | undefined {
  return recipient === undefined || recipient.length <= 24 ? recipient : `${recipient.slice(0, 14)}…${recipient.slice(-6)}`;
}
