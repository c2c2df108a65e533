import { describe, expect, it } from "vitest";
import type { StatusResponse } from "#protocol";
import { ageSeconds, describeBrokerStatus, formatAge } from "../../../extension/src/status/broker-status.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const status = (over: Partial<StatusResponse> = {}): StatusResponse => ({
  ok: true, broker_version: "0.1.0", protocol_version: 2, uptime_seconds: 7200, secrets_loaded_at: "2026-03-01T11:30:00.000Z", secret_count: 3,
  decryption_key_source: "tpm2", projects: [{ name: "app", socket_path: "/run/remo-broker/app.sock", allowlist_size: 2, cache_entries: 0, secrets_loaded_at: "2026-03-01T11:55:00.000Z", secret_count: 2 }],
  ...over,
});

describe("describeBrokerStatus", () => {
  it("asks for a node when the workspace has none", () => {
    expect(describeBrokerStatus({}, now)).toEqual({ text: "$(key) Remo: no node", lines: ["No node for this workspace. Run \"Remo: Add Node…\" to add one."], warning: false });
  });

  it("says the broker was not checked yet", () => {
    expect(describeBrokerStatus({ node: "devbox" }, now).lines).toEqual(["Node: devbox", "Broker: not checked yet. Run \"Remo: Show Broker Status\".", "Last push: never from this laptop"]);
  });

  it("shows the project's own count and load time, the key source and the last push age", () => {
    const v = describeBrokerStatus({ node: "devbox", project: "app", reachable: true, status: status(), lastPushAt: "2026-02-27T12:00:00.000Z" }, now);
    expect(v).toEqual({
      text: "$(key) Remo: devbox",
      lines: [
        "Node: devbox (project app)",
        "Broker: reachable, version 0.1.0, up 2 h",
        "Secrets loaded: 2, 5 min ago",
        "Key source: tpm2 (sealed to this node's TPM)",
        "Last push: 2 d ago",
      ],
      warning: false,
    });
  });

  it("warns about a plaintext key and an unregistered project", () => {
    const v = describeBrokerStatus({ node: "devbox", project: "other", reachable: true, status: status({ decryption_key_source: "plaintext", warnings: ["audit file not writable"] }) }, now);
    expect(v.warning).toBe(true);
    expect(v.text).toBe("$(warning) Remo: devbox");
    expect(v.lines).toContain("Project other is not registered on the node yet; a push registers it.");
    expect(v.lines.find((l) => l.startsWith("Key source:"))).toMatch(/plaintext key file: anyone who can read the node's disk/);
    expect(v.lines).toContain("Warning: audit file not writable");
  });

  it("marks an unreachable broker with the reason", () => {
    const v = describeBrokerStatus({ node: "devbox", reachable: false, error: "ssh: connection refused" }, now);
    expect(v).toMatchObject({ text: "$(debug-disconnect) Remo: devbox", warning: true });
    expect(v.lines[1]).toBe("Broker: unreachable: ssh: connection refused");
  });

  it("says when nothing was loaded yet", () => {
    const v = describeBrokerStatus({ node: "n", reachable: true, status: status({ secrets_loaded_at: null, secret_count: 0, projects: [] }) }, now);
    expect(v.lines).toContain("Secrets loaded: none yet");
  });
});

describe("formatAge / ageSeconds", () => {
  it("rounds to the largest unit", () => {
    expect([0, 59, 60, 3599, 3600, 86_399, 86_400, 10 * 86_400].map(formatAge)).toEqual(["0 s", "59 s", "1 min", "59 min", "1 h", "23 h", "1 d", "10 d"]);
  });

  it("treats future and unparsable times as 0", () => {
    expect(ageSeconds("2026-03-01T12:00:10.000Z", now)).toBe(0);
    expect(ageSeconds("yesterday", now)).toBe(0);
    expect(ageSeconds("2026-03-01T11:59:00.000Z", now)).toBe(60);
  });
});
