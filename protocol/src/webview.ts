// Messages between the extension and the audit webview, checked on receipt on both sides.
import type { AuditQuery, AuditRecord } from "./audit.ts";

// The webview bundle takes the audit matcher from here, so it never pulls in the rest of protocol/.
export { matchesAuditQuery } from "./audit.ts";

/** Filters the audit view applies: the audit query without a limit (the view shows every match). */
export type AuditFilters = Omit<AuditQuery, "limit">;

/** Extension → webview. */
export type ToWebview =
  /** `project`: the project the panel was opened for; the view starts filtered to it. */
  | { type: "records"; records: AuditRecord[]; node: string; fetchedAt: string; project?: string }
  | { type: "append"; records: AuditRecord[] }
  | { type: "error"; message: string }
  | { type: "tail"; active: boolean };

/** Webview → extension. */
export type FromWebview =
  | { type: "ready" }
  | { type: "refresh" }
  | { type: "setTail"; active: boolean }
  | { type: "export"; filters: AuditFilters };

/** True when `m` is a well-formed {@link FromWebview} message. */
export function isFromWebview(m: unknown): m is FromWebview {
  if (typeof m !== "object" || m === null) return false;
  const t = (m as { type?: unknown }).type;
  switch (t) {
    case "ready":
    case "refresh":
      return true;
    case "setTail":
      return typeof (m as { active?: unknown }).active === "boolean";
    case "export":
      return typeof (m as { filters?: unknown }).filters === "object" && (m as { filters?: unknown }).filters !== null;
    default:
      return false;
  }
}

/** True when `m` is a well-formed {@link ToWebview} message. */
export function isToWebview(m: unknown): m is ToWebview {
  if (typeof m !== "object" || m === null) return false;
  const x = m as Record<string, unknown>;
  switch (x.type) {
    case "records": return Array.isArray(x.records) && typeof x.node === "string" && typeof x.fetchedAt === "string" && (x.project === undefined || typeof x.project === "string");
    case "append": return Array.isArray(x.records);
    case "error": return typeof x.message === "string";
    case "tail": return typeof x.active === "boolean";
    default: return false;
  }
}
