import { isUtf8 } from "node:buffer";
import { checkProjectRequest, errorResponse, PROTOCOL_VERSION, type AuditContainer, type AuditEvent, type AuditOutcome } from "#protocol";
import type { AuditFields } from "../audit/audit-record.ts";
import type { RateDecision } from "../connections/rate-limiter.ts";
import type { ValueCache } from "../secrets/value-cache.ts";
import { BROKER_VERSION } from "../version.ts";

/** What a project socket knows about its project at the time of a request. */
export interface ProjectView {
  readonly name: string;
  /** The served names: approved on the laptop ∩ listed in the manifest file. */
  readonly allowlist: readonly string[];
  readonly allowed: ReadonlySet<string>;
  readonly counts: { readonly approved: number; readonly narrowed: number; readonly unapproved: number };
  readonly ttlSeconds: number;
  readonly cache: ValueCache;
}

/** The effects a project request may have, injected so the logic is testable without sockets. */
export interface ProjectOpsDeps {
  /** The value `project` sees for `name` (its bundle, then the node-wide one). */
  lookup(project: string, name: string): Buffer | undefined;
  /** Takes a rate-limit token for this peer. */
  takeToken(): RateDecision;
  audit(event: AuditEvent, fields: AuditFields): void;
  /** The peer as SO_PEERCRED reported it (and its container, from its cgroup), when known. */
  peer: { uid: number; pid: number; container?: AuditContainer | undefined } | undefined;
}

/** Answers one decoded request on a project socket (docs/architecture.md#project-socket). Never throws; never puts a value in an error or audit record. */
export function answerProjectRequest(message: Record<string, unknown>, project: ProjectView, deps: ProjectOpsDeps): object {
  const checked = checkProjectRequest(message);
  const peer = deps.peer;
  if (!checked.ok) {
    deps.audit("protocol.error", { project: project.name, outcome: "protocol_error", detail: checked.message, peer_uid: peer?.uid, peer_pid: peer?.pid });
    return errorResponse("protocol_error", `${checked.message}.`);
  }
  const req = checked.request;
  switch (req.op) {
    case "ping":
      return { ok: true, broker_version: BROKER_VERSION, protocol_version: PROTOCOL_VERSION, project: project.name };
    case "info":
      return {
        ok: true, project: project.name, allowlist: [...project.allowlist], schema_version: 1,
        approved_count: project.counts.approved, narrowed_count: project.counts.narrowed, unapproved_count: project.counts.unapproved,
      };
    case "get": {
      // Explicit fields, not a spread: this runs for every get.
      const record = (outcome: AuditOutcome): void => { deps.audit("secret.get", { project: project.name, secret: req.name, outcome, peer_uid: peer?.uid, peer_pid: peer?.pid, container: peer?.container }); };
      const token = deps.takeToken();
      if (!token.ok) {
        record("rate_limited");
        return errorResponse("rate_limited", `Too many requests; retry in ${token.retryAfterSeconds} s.`, token.retryAfterSeconds);
      }
      if (!project.allowed.has(req.name)) {
        record("denied");
        return errorResponse("denied", `"${req.name}" is not in the allowlist of project "${project.name}". Add it to [allowlist] secrets in the manifest, then approve it on the laptop ("Remo: Push Secrets" asks), or run \`remo-broker admin reload --name ${project.name}\` as root on the node.`);
      }
      let value = project.cache.get(req.name);
      if (value === undefined) {
        value = deps.lookup(project.name, req.name);
        if (value !== undefined) project.cache.set(req.name, value);
      }
      if (value === undefined) {
        record("not_found");
        return errorResponse("not_found", `"${req.name}" is allowed but no value has been pushed for it. Push it from the laptop ("Remo: Push Secrets").`);
      }
      record("ok");
      // The only place a value becomes a JS string: the reply, serialised right after this returns.
      return isUtf8(value)
        ? { ok: true, value: value.toString("utf8"), ttl_seconds: project.ttlSeconds }
        : { ok: true, value_b64: value.toString("base64"), ttl_seconds: project.ttlSeconds };
    }
  }
}
