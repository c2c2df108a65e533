// Precompiled validators generated from schemas/ (scripts/generate-validators.mjs); no Ajv at run time.
import * as generated from "./generated/validators.js";
import type { AjvError, ValidateFunction } from "./generated/validate-function.ts";
import type { AdminRequest, ProjectRequest } from "./wire.ts";

export type { AjvError, ValidateFunction };

/** Every generated validator, by name. */
export const validators: Readonly<Record<keyof typeof generated, ValidateFunction>> = generated;

/** A request that passed its schema, or the reason it did not. */
export type RequestCheck<T> = { ok: true; request: T } | { ok: false; message: string };

/** Checks a decoded object against the project-socket request schema. */
export function checkProjectRequest(value: Record<string, unknown>): RequestCheck<ProjectRequest> {
  return check<ProjectRequest>(generated.validateProjectRequest, value, ["get", "ping", "info"]);
}

/** Checks a decoded object against the admin-socket request schema. */
export function checkAdminRequest(value: Record<string, unknown>): RequestCheck<AdminRequest> {
  return check<AdminRequest>(generated.validateAdminRequest, value,
    ["register", "unregister", "reload", "status", "get-public-key", "push-creds", "clear-creds", "audit"]);
}

function check<T>(validate: ValidateFunction, value: Record<string, unknown>, ops: readonly string[]): RequestCheck<T> {
  if (validate(value)) return { ok: true, request: value as T };
  const op = value.op;
  if (typeof op !== "string") return { ok: false, message: `missing "op": send one of ${ops.join(", ")}` };
  if (!ops.includes(op)) return { ok: false, message: `unknown op "${op.slice(0, 40)}": send one of ${ops.join(", ")}` };
  return { ok: false, message: `invalid "${op}" request: ${describeAjvErrors(validate.errors ?? [])}` };
}

/** A short, value-free description of schema errors (field names and rules only). */
export function describeAjvErrors(errors: readonly AjvError[]): string {
  const parts = errors
    .filter((e) => e.keyword !== "oneOf" && e.keyword !== "discriminator" && e.keyword !== "if")
    .slice(0, 3)
    .map((e) => {
      const field = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
      if (e.keyword === "required") return `missing field "${String(e.params.missingProperty)}"`;
      if (e.keyword === "type") return `field "${field}" must be ${String(e.params.type)}`;
      if (e.keyword === "pattern") return `field "${field}" has an invalid format`;
      if (e.keyword === "const") return `field "${field}" has an unexpected value`;
      return `field "${field}" ${e.message ?? "is invalid"}`;
    });
  return parts.length > 0 ? parts.join("; ") : "the request does not match the protocol";
}
