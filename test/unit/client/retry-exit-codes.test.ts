import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ClientError, type ClientErrorCode } from "../../../devcontainer-feature/client/src/client-error.ts";
import { clientError, exitStatusFor, exitTable } from "../../../devcontainer-feature/client/src/exit-codes.ts";
import { defaultRetryPolicy, nextDelayMs, retryPolicyFromEnv } from "../../../devcontainer-feature/client/src/retry.ts";
import { clientVersion } from "../../../devcontainer-feature/client/src/version.ts";
import { ERROR_CODES } from "#protocol/wire";

const policy = { budgetMs: 1000, baseDelayMs: 50, maxDelayMs: 400 };

describe("nextDelayMs", () => {
  it("backs off exponentially for a restarting broker, capped, within the budget", () => {
    const e = clientError("unreachable");
    expect([0, 1, 2, 3, 4].map((a) => nextDelayMs(policy, e, a, 0))).toEqual([50, 100, 200, 400, 400]);
    expect(nextDelayMs(policy, e, 3, 700)).toBeNull();
  });

  it("waits exactly retry_after_seconds on rate_limited, or gives up when that exceeds the budget", () => {
    expect(nextDelayMs(policy, new ClientError("rate_limited", "m", 0.25), 0, 0)).toBe(250);
    expect(nextDelayMs(policy, new ClientError("rate_limited", "m", 2), 0, 0)).toBeNull();
  });

  it("never retries errors a retry cannot fix", () => {
    for (const code of ["denied", "not_found", "protocol_mismatch", "permission_denied", "not_mounted", "timeout"] as const) {
      expect(nextDelayMs(policy, clientError(code), 0, 0)).toBeNull();
    }
  });

  it("reads the budget from REMO_SECRETS_RETRY_SECONDS, ignoring junk", () => {
    expect(retryPolicyFromEnv({ REMO_SECRETS_RETRY_SECONDS: "0" }).budgetMs).toBe(0);
    expect(retryPolicyFromEnv({ REMO_SECRETS_RETRY_SECONDS: "2.5" }).budgetMs).toBe(2500);
    expect(retryPolicyFromEnv({ REMO_SECRETS_RETRY_SECONDS: "soon" })).toEqual(defaultRetryPolicy);
    expect(retryPolicyFromEnv({})).toEqual(defaultRetryPolicy);
  });
});

describe("exit table", () => {
  it("covers every wire error code", () => {
    for (const code of ERROR_CODES) expect(exitTable[code]).toBeDefined();
  });

  it("gives each error the documented status", () => {
    const documented: Partial<Record<ClientErrorCode, number>> = {
      usage: 2, denied: 3, not_found: 4, unreachable: 5, not_mounted: 5, connection_lost: 5, permission_denied: 5, peer_unexpected: 5,
      protocol_mismatch: 6, protocol_error: 6, rate_limited: 7, timeout: 8, unusable_value: 9, spawn_failed: 127, internal_error: 1,
    };
    for (const [code, status] of Object.entries(documented)) expect([code, exitStatusFor(code as ClientErrorCode)]).toEqual([code, status]);
  });

  it("lists every status in the feature README", () => {
    const readme = readFileSync(new URL("../../../devcontainer-feature/src/remo-secrets/README.md", import.meta.url), "utf8");
    for (const code of Object.keys(exitTable) as ClientErrorCode[]) {
      const status = exitStatusFor(code);
      if (status === 1) continue;
      expect(readme).toMatch(new RegExp(`\\| ${status} \\| [^\\n]*\`${code}\``));
    }
  });

  it("says what to do in every message, without placeholders leaking", () => {
    for (const [code, entry] of Object.entries(exitTable)) {
      const bare = entry.message({});
      const full = entry.message({ socketPath: "/run/remo-broker/sock", name: "X", uid: 1000, detail: "d", seconds: 1 });
      for (const m of [bare, full]) {
        expect(m, code).not.toMatch(/undefined|null|\[object/);
        expect(m.length, code).toBeGreaterThan(20);
      }
    }
  });
});

describe("clientVersion", () => {
  it("matches package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(clientVersion).toBe(pkg.version);
  });
});
