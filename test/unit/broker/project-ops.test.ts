import { describe, expect, it } from "vitest";
import type { AuditEvent } from "#protocol";
import type { AuditFields } from "../../../broker/src/audit/audit-record.ts";
import { answerProjectRequest, type ProjectView } from "../../../broker/src/requests/project-ops.ts";
import type { RateDecision } from "../../../broker/src/connections/rate-limiter.ts";
import { ValueCache } from "../../../broker/src/secrets/value-cache.ts";

function setup(values: Record<string, string | Buffer>, token: RateDecision = { ok: true }) {
  const audit: [AuditEvent, AuditFields][] = [];
  let lookups = 0;
  const view: ProjectView = { name: "p", allowlist: ["A", "B"], allowed: new Set(["A", "B"]), counts: { approved: 3, narrowed: 1, unapproved: 0 }, ttlSeconds: 42, cache: new ValueCache({ ttlSeconds: 42, maxEntries: 8 }, () => 0) };
  const deps = {
    lookup: (_p: string, n: string) => {
      lookups++;
      const v = values[n];
      return typeof v === "string" ? Buffer.from(v) : v;
    },
    takeToken: () => token,
    audit: (e: AuditEvent, f: AuditFields) => { audit.push([e, f]); },
    peer: { uid: 1000, pid: 7 },
  };
  return { view, deps, audit, lookups: () => lookups };
}

describe("answerProjectRequest", () => {
  it("serves an allowed value with the project's ttl and audits it with the peer", () => {
    const s = setup({ A: "a" });
    expect(answerProjectRequest({ op: "get", name: "A" }, s.view, s.deps)).toEqual({ ok: true, value: "a", ttl_seconds: 42 });
    expect(s.audit).toEqual([["secret.get", { project: "p", secret: "A", outcome: "ok", peer_uid: 1000, peer_pid: 7 }]]);
  });

  it("serves a repeated get from the cache", () => {
    const s = setup({ A: "a" });
    answerProjectRequest({ op: "get", name: "A" }, s.view, s.deps);
    answerProjectRequest({ op: "get", name: "A" }, s.view, s.deps);
    expect(s.lookups()).toBe(1);
    expect(s.view.cache.size).toBe(1);
  });

  it("denies a name outside the allowlist without looking it up", () => {
    const s = setup({ C: "c" });
    expect(answerProjectRequest({ op: "get", name: "C" }, s.view, s.deps)).toMatchObject({ ok: false, code: "denied" });
    expect(s.lookups()).toBe(0);
    expect(s.audit[0]![1].outcome).toBe("denied");
  });

  it("answers not_found for an allowed name with no value", () => {
    const s = setup({});
    expect(answerProjectRequest({ op: "get", name: "B" }, s.view, s.deps)).toMatchObject({ ok: false, code: "not_found" });
  });

  it("answers rate_limited with retry_after_seconds before anything else", () => {
    const s = setup({ A: "a" }, { ok: false, retryAfterSeconds: 1.5 });
    expect(answerProjectRequest({ op: "get", name: "A" }, s.view, s.deps)).toEqual({ ok: false, code: "rate_limited", message: "Too many requests; retry in 1.5 s.", retry_after_seconds: 1.5 });
    expect(s.lookups()).toBe(0);
  });

  it("answers ping and info", () => {
    const s = setup({});
    expect(answerProjectRequest({ op: "ping" }, s.view, s.deps)).toEqual({ ok: true, broker_version: "0.1.0", protocol_version: 2, project: "p" });
    expect(answerProjectRequest({ op: "info" }, s.view, s.deps)).toEqual({ ok: true, project: "p", allowlist: ["A", "B"], schema_version: 1, approved_count: 3, narrowed_count: 1, unapproved_count: 0 });
  });

  it("answers protocol_error for an invalid request and audits it", () => {
    const s = setup({});
    expect(answerProjectRequest({ op: "get", name: 1 }, s.view, s.deps)).toMatchObject({ ok: false, code: "protocol_error" });
    expect(s.audit[0]![0]).toBe("protocol.error");
  });
  it("answers a non-UTF-8 value as value_b64", () => {
    const s = setup({ A: Buffer.from([0xff, 0x00, 0xfe]) });
    expect(answerProjectRequest({ op: "get", name: "A" }, s.view, s.deps)).toEqual({ ok: true, value_b64: "/wD+", ttl_seconds: 42 });
  });
});
