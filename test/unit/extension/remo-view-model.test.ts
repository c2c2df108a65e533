import { describe, expect, it } from "vitest";
import type { AuditRecord, StatusResponse } from "#protocol";
import { buildView, lastFetch, type NodeInfo, type ViewInput, type ViewItem } from "../../../extension/src/remo-view/view-model.ts";
import { outcomes, PushLog } from "../../../extension/src/remo-view/push-log.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const status = (over: Partial<StatusResponse> = {}): StatusResponse => ({
  ok: true, broker_version: "0.1.0", protocol_version: 2, uptime_seconds: 7200, secrets_loaded_at: "2026-03-01T11:30:00.000Z", secret_count: 2,
  decryption_key_source: "tpm2", projects: [], ...over,
});
const node = (over: Partial<NodeInfo> = {}): NodeInfo => ({
  name: "build1", host: "me@build1.example:2222", projectPath: "/srv/app", pins: { hostKeySha256: "SHA256:abc", recipient: "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", pinnedAt: "2026-02-01T00:00:00.000Z" }, ...over,
});
const input = (over: Partial<ViewInput> = {}): ViewInput => ({
  folder: "app",
  manifest: { state: "ok", project: "app", names: ["GITHUB_TOKEN", "NPM_TOKEN"] },
  nodes: [node()],
  values: [{ name: "GITHUB_TOKEN", stored: true }],
  now,
  ...over,
});
const get = (ts: string, secret: string, over: Partial<AuditRecord> = {}): AuditRecord => ({ ts, event: "secret.get", project: "app", secret, outcome: "ok", peer_uid: 1000, peer_pid: 42, ...over });

/** Label and description of each row, nested, for whole-tree comparisons. */
function rows(items: ViewItem[]): unknown[] {
  return items.map((i) => (i.children === undefined ? [i.label, i.description] : [i.label, i.description, rows(i.children)]));
}

describe("the Remo view model: context keys", () => {
  it("has nothing set up: no manifest, no node; both sections empty so the welcome shows", () => {
    const out = buildView(input({ manifest: { state: "none" }, nodes: [], values: [] }));
    expect(out).toEqual({ nodes: [], secrets: [], context: { hasFolder: true, hasManifest: false, hasNode: false, allValuesSet: false, pushed: false, containerFetched: false } });
  });

  it("no folder open: hasFolder is false", () => {
    const rest: ViewInput = { manifest: { state: "none" }, nodes: [], values: [], now };
    expect(buildView(rest).context.hasFolder).toBe(false);
  });

  it("allValuesSet needs every manifest name: a stored value, an env source whose variable is set, or a command source", () => {
    expect(buildView(input()).context.allValuesSet).toBe(false);
    const env = { label: "environment variable NPM_TOKEN", short: "env", available: true };
    const values = [{ name: "GITHUB_TOKEN", stored: true }, { name: "NPM_TOKEN", stored: false, source: env }];
    expect(buildView(input({ values })).context.allValuesSet).toBe(true);
    const unset = [{ name: "GITHUB_TOKEN", stored: true }, { name: "NPM_TOKEN", stored: false, source: { ...env, available: false } }];
    expect(buildView(input({ values: unset })).context.allValuesSet).toBe(false);
    // An empty allowlist has nothing to push: the step is not done.
    expect(buildView(input({ manifest: { state: "ok", project: "app", names: [] }, values })).context.allValuesSet).toBe(false);
  });

  it("pushed and containerFetched come from the node's last push and this project's audit", () => {
    expect(buildView(input()).context).toMatchObject({ pushed: false, containerFetched: false });
    const pushed = node({ lastPushAt: "2026-03-01T11:00:00.000Z" });
    expect(buildView(input({ nodes: [pushed] })).context).toMatchObject({ pushed: true, containerFetched: false });
    const otherProject = node({ probe: { checkedAt: now.toISOString(), status: status(), fetches: [get("2026-03-01T11:50:00.000Z", "GITHUB_TOKEN", { project: "other" })] } });
    expect(buildView(input({ nodes: [otherProject] })).context.containerFetched).toBe(false);
    const fetched = node({ probe: { checkedAt: now.toISOString(), status: status(), fetches: [get("2026-03-01T11:50:00.000Z", "GITHUB_TOKEN")] } });
    expect(buildView(input({ nodes: [fetched] })).context.containerFetched).toBe(true);
  });

  it("an invalid manifest counts as created and shows one row that opens the Problems panel", () => {
    const out = buildView(input({ manifest: { state: "invalid", errors: 2, first: "bad-name is not a valid secret name" } }));
    expect(out.context).toMatchObject({ hasManifest: true, allValuesSet: false, pushed: false });
    expect(out.secrets).toEqual([{ id: "manifest:invalid", label: "Manifest has errors", description: "2 error(s): bad-name is not a valid secret name", icon: "error", contextValue: "remo.info", command: { command: "workbench.actions.view.problems", title: "Show Problems" } }]);
  });
});

describe("the Remo view model: nodes", () => {
  it("a node never checked: host, pins, a broker row that refreshes, never pushed", () => {
    const [n] = buildView(input()).nodes;
    expect(n).toMatchObject({ id: "node:build1", label: "build1", contextValue: "remo.node", node: "build1", icon: "server-environment" });
    expect(rows([n!])).toEqual([["build1", "me@build1.example:2222 · not checked · never pushed", [
      ["Host", "me@build1.example:2222 · /srv/app"],
      ["Host key", "SHA256:abc"],
      ["Broker key", "age1qqqqqqqqqq…qqqqqq"],
      ["Broker", "not checked yet: Refresh asks the node"],
      ["Last push", "never from this laptop"],
    ]]]);
    expect(n!.children![3]!.command).toEqual({ command: "remo.refreshView", title: "Refresh" });
  });

  it("a reachable node: version, key source, warnings, last push age", () => {
    const n = node({ lastPushAt: "2026-03-01T09:00:00.000Z", pins: { hostKeySha256: "SHA256:abc", jumpHostKeySha256: "SHA256:jump", recipient: "age1short" }, probe: { checkedAt: "2026-03-01T11:58:00.000Z", status: status({ warnings: ["audit file not writable"] }) } });
    expect(rows(buildView(input({ nodes: [n] })).nodes)).toEqual([["build1", "me@build1.example:2222 · reachable · pushed 3 h ago", [
      ["Host", "me@build1.example:2222 · /srv/app"],
      ["Host key", "SHA256:abc"],
      ["Jump host key", "SHA256:jump"],
      ["Broker key", "age1short"],
      ["Broker", "reachable, version 0.1.0 (checked 2 min ago)"],
      ["Key source", "tpm2"],
      ["Warning", "audit file not writable"],
      ["Last push", "3 h ago (2026-03-01T09:00:00.000Z)"],
    ]]]);
  });

  it("an unreachable node or a plaintext key file gets a warning icon; the error is in the row", () => {
    const down = node({ probe: { checkedAt: "2026-03-01T11:59:00.000Z", error: "connect ECONNREFUSED 127.0.0.1:2222" } });
    const [d] = buildView(input({ nodes: [down] })).nodes;
    expect(d!.icon).toBe("warning");
    expect(d!.children!.find((c) => c.label === "Broker")!.description).toBe("unreachable (1 min ago): connect ECONNREFUSED 127.0.0.1:2222");
    const plain = node({ probe: { checkedAt: now.toISOString(), status: status({ decryption_key_source: "plaintext" }) } });
    const [p] = buildView(input({ nodes: [plain] })).nodes;
    expect(p!.icon).toBe("warning");
    expect(p!.children!.find((c) => c.label === "Key source")!.tooltip).toMatch(/anyone who can read the node's disk/);
  });
});

describe("the Remo view model: secrets", () => {
  it("each manifest name once, in manifest order, with its value source; laptop-only names are not listed", () => {
    const values = [
      { name: "GITHUB_TOKEN", stored: false, source: { label: "1Password (op://Private/GitHub/token)", short: "1password", available: true } },
      { name: "NPM_TOKEN", stored: true },
      { name: "UNRELATED", stored: true },
    ];
    const out = buildView(input({ values, nodes: [] }));
    expect(rows(out.secrets)).toEqual([
      ["GITHUB_TOKEN", "set · 1password", [["Laptop value", "from 1Password (op://Private/GitHub/token)"]]],
      ["NPM_TOKEN", "set · SecretStorage", [["Laptop value", "stored in SecretStorage (OS keychain)"]]],
    ]);
    expect(out.secrets.map((s) => [s.contextValue, s.secret, s.icon])).toEqual([["remo.secret", "GITHUB_TOKEN", "pass-filled"], ["remo.secret", "NPM_TOKEN", "pass-filled"]]);
  });

  it("a name without a value offers Set Value; an env source whose variable is unset says so", () => {
    const values = [{ name: "GITHUB_TOKEN", stored: false, source: { label: "environment variable GH_TOKEN", short: "env", available: false } }];
    const [gh, npm] = buildView(input({ values, nodes: [] })).secrets;
    expect([gh!.description, gh!.icon, gh!.children![0]!.description]).toEqual(["no value · env", "warning", "environment variable GH_TOKEN: not set in VS Code's environment"]);
    expect([npm!.description, npm!.icon]).toEqual(["no value · no source", "circle-large-outline"]);
    expect(npm!.children![0]!.command).toEqual({ command: "remo.setSecret", title: "Set Value", args: ["NPM_TOKEN"] });
  });

  it("per node: approval, the last push that carried the name, and the last container fetch with its name", () => {
    const fetches = [
      get("2026-03-01T11:40:00.000Z", "GITHUB_TOKEN", { container: { id: "0123456789abcdef0123", name: "app-dev-1", engine: "docker" } }),
      get("2026-03-01T11:55:00.000Z", "GITHUB_TOKEN"),
      get("2026-03-01T11:59:00.000Z", "GITHUB_TOKEN", { outcome: "denied" }),
    ];
    const n = node({ approved: ["GITHUB_TOKEN", "NPM_TOKEN"], lastPushAt: "2026-03-01T11:00:00.000Z", lastPushed: ["GITHUB_TOKEN"], probe: { checkedAt: now.toISOString(), status: status(), fetches } });
    const [gh, npm] = buildView(input({ nodes: [n] })).secrets;
    expect(gh!.description).toBe("set · SecretStorage · on build1");
    expect(gh!.children![1]).toMatchObject({ label: "build1", description: "approved · pushed 1 h ago · fetched 5 min ago by uid 1000 pid 42", contextValue: "remo.secretOnNode", node: "build1", secret: "GITHUB_TOKEN", icon: "vm-active" });
    // NPM_TOKEN was approved but had no value at that push: not pushed.
    expect(npm!.children![1]!.description).toBe("approved · not pushed yet · not fetched in the last 30 days");
    expect(npm!.description).toBe("no value · no source");
  });

  it("names the container when the broker knew it; unapproved and never-asked names say so", () => {
    const fetches = [get("2026-03-01T11:40:00.000Z", "GITHUB_TOKEN", { container: { id: "0123456789abcdef0123", name: "app-dev-1", engine: "docker" } })];
    const asked = node({ name: "a", approved: ["NPM_TOKEN"], probe: { checkedAt: now.toISOString(), status: status(), fetches } });
    const never = node({ name: "b" });
    const [gh] = buildView(input({ nodes: [asked, never] })).secrets;
    expect(gh!.children!.slice(1).map((c) => c.description)).toEqual([
      "not approved (never sent) · fetched 20 min ago by container app-dev-1",
      "not approved yet (the next push asks)",
    ]);
  });

  it("a push recorded without its names (older, or another window) counts every approved name as pushed", () => {
    const n = node({ approved: ["GITHUB_TOKEN", "NPM_TOKEN"], lastPushAt: "2026-03-01T11:00:00.000Z" });
    expect(buildView(input({ nodes: [n] })).secrets.map((s) => s.children![1]!.description)).toEqual(["approved · pushed 1 h ago", "approved · pushed 1 h ago"]);
  });
});

describe("lastFetch", () => {
  it("is the newest successful get of that name for that project", () => {
    const rs = [get("2026-03-01T10:00:00.000Z", "A"), get("2026-03-01T11:00:00.000Z", "A"), get("2026-03-01T11:30:00.000Z", "A", { outcome: "denied" }), get("2026-03-01T11:45:00.000Z", "A", { project: "x" }), get("2026-03-01T11:50:00.000Z", "B")];
    expect(lastFetch(rs, "app", "A")?.ts).toBe("2026-03-01T11:00:00.000Z");
    expect(lastFetch(rs, "app", "C")).toBeUndefined();
  });
});

describe("push outcomes for the push log", () => {
  it("reads a one-node result and the successful runs of a multi-node result; names missing at the push are left out", () => {
    expect(outcomes({ node: "a", project: "app", approved: ["X", "Y"], missing: ["Y"], secretCount: 1 })).toEqual([{ node: "a", project: "app", approved: ["X", "Y"], missing: ["Y"] }]);
    const multi = { project: "app", nodes: [{ node: "a", ok: true, result: { node: "a", project: "app", approved: ["X"], missing: [] } }, { node: "b", ok: false, error: "down" }] };
    expect(outcomes(multi)).toEqual([{ node: "a", project: "app", approved: ["X"], missing: [] }]);
    expect(outcomes(undefined)).toEqual([]);
    expect(outcomes("loopback")).toEqual([]);
  });
});

describe("PushLog", () => {
  it("keeps the names each push sent, at the time the registry recorded; a run without that time or a failed run is not recorded", async () => {
    const data: Record<string, unknown> = {};
    const global = { get: <T>(k: string, d?: T) => (k in data ? structuredClone(data[k]) as T : d), update: (k: string, v: unknown) => { data[k] = structuredClone(v); return Promise.resolve(); } };
    const log = new PushLog(global);
    const times: Record<string, string> = { a: "2026-03-01T11:00:00.000Z" };
    await log.record({ project: "app", nodes: [
      { node: "a", ok: true, result: { node: "a", project: "app", approved: ["X", "Y"], missing: ["Y"] } },
      { node: "b", ok: true, result: { node: "b", project: "app", approved: ["X"], missing: [] } },
      { node: "c", ok: false, error: "down" },
    ] }, (node) => times[node]);
    expect([log.get("a", "app"), log.get("b", "app"), log.get("c", "app"), log.get("a", "other")]).toEqual([{ at: "2026-03-01T11:00:00.000Z", names: ["X"] }, undefined, undefined, undefined]);
    // A hand-edited or older value is dropped, not trusted.
    data["remo.pushedNames.v1"] = { "a\u0000app": { at: 5, names: "X" } };
    expect(log.get("a", "app")).toBeUndefined();
  });
});
