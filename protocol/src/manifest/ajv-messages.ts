// Ajv's schema errors as manifest issues whose messages say what to write instead.
import type { AjvError } from "../generated/validate-function.ts";
import { DiagnosticCode } from "../diagnostics.ts";
import { brokerCacheDefaults, currentSchemaVersion, manifestLimits, SUPPORTED_SCHEMA_VERSIONS } from "./limits.ts";
import type { ManifestIssue, ManifestPath } from "./model.ts";
import { normalizeProjectName, projectNameRule, secretNameRule, suggestSecretName } from "./names.ts";
import { allowedKeys, manifestSchemaAt } from "./schema.ts";
import { suggestKey } from "./suggest.ts";
import { displayPath, getIn, pointerToPath } from "./value-path.ts";

function describeType(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null || v === undefined) return "nothing";
  if (typeof v === "object") return v instanceof Date || (v as { constructor?: { name?: string } }).constructor?.name === "TomlDate" ? "a date" : "a table";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a float";
  if (typeof v === "bigint") return "an integer";
  return `a ${typeof v}`;
}

/** A value for a message: the literal for a number or boolean, otherwise what it is ("a table"). */
function showValue(v: unknown): string {
  return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" ? String(v) : describeType(v);
}

const typeNames: Record<string, string> = { object: "a table", array: "an array", string: "a string", integer: "an integer", number: "a number" };

const supported = SUPPORTED_SCHEMA_VERSIONS.join(", ");
const project = { min: projectNameRule.minLength, max: projectNameRule.maxLength };
const secret = { min: secretNameRule.minLength, max: secretNameRule.maxLength };

/** The message for a schema_version that is not an integer; `what` says what was written ("a string", "the float 1.0"). */
export function schemaVersionTypeMessage(what: string): string {
  return `schema_version must be the integer ${currentSchemaVersion} (supported versions: ${supported}), not ${what}. Set schema_version = ${currentSchemaVersion}.`;
}

/** One Ajv error on `root` as an issue; undefined for the errors reported another way. */
export function issueFromAjv(err: AjvError, root: Record<string, unknown>): ManifestIssue | undefined {
  const path = pointerToPath(err.instancePath);
  const at = getIn(root, path);
  const where = path.length === 0 ? "the top level" : `[${displayPath(path)}]`;
  const error = (code: DiagnosticCode, message: string, target: ManifestIssue["target"] = "value", data?: Record<string, unknown>): ManifestIssue =>
    ({ code, message, severity: "error", path, target, ...(data === undefined ? {} : { data }) });

  switch (err.keyword) {
    case "required": {
      const key = String(err.params.missingProperty);
      const table = path.length === 0 ? key : `${displayPath(path)}.${key}`;
      const isTable = manifestSchemaAt([...path, key])?.properties !== undefined;
      const example = exampleFor([...path, key]);
      return error(DiagnosticCode.missingKey,
        isTable
          ? `Missing required table [${table}]. Add it, e.g. ${example}.`
          : `Missing required key "${key}" in ${where}. Add ${example}.`,
        "table", { key, parent: path, isTable });
    }
    case "additionalProperties": {
      const key = String(err.params.additionalProperty);
      const allowed = allowedKeys(path);
      const suggestion = suggestKey(key, allowed);
      const tableWord = path.length === 0 ? "at the top level" : `in [${displayPath(path)}]`;
      const hint = suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`;
      return { code: DiagnosticCode.unknownKey, severity: "error", path: [...path, key], target: "key",
        message: `Unknown key "${key}".${hint} Allowed keys ${tableWord}: ${allowed.join(", ")}.`,
        data: { key, ...(suggestion === undefined ? {} : { suggestion }) } };
    }
    case "type": {
      const expected = String(err.params.type);
      const last = path.at(-1);
      if (path.length === 1 && last === "schema_version") {
        return error(DiagnosticCode.unsupportedSchemaVersion, schemaVersionTypeMessage(describeType(at)), "value", { replacement: currentSchemaVersion });
      }
      return error(DiagnosticCode.wrongType, `${displayPath(path)} must be ${typeNames[expected] ?? expected}, not ${describeType(at)}. Write it as ${exampleFor(path)}.`);
    }
    case "enum":
      return error(DiagnosticCode.unsupportedSchemaVersion, `schema_version ${showValue(at)} is not supported. Supported versions: ${supported}. Set schema_version = ${currentSchemaVersion}.`, "value", { replacement: currentSchemaVersion });
    case "pattern": {
      if (path[0] === "project") {
        const fixed = typeof at === "string" ? normalizeProjectName(at) : undefined;
        return error(DiagnosticCode.badProjectName,
          `Project name must be ${project.min}–${project.max} lowercase letters, digits, '_' or '-', starting with a letter or digit${fixed === undefined ? "" : ` (e.g. "${fixed}")`}.`,
          "value", fixed === undefined ? undefined : { replacement: fixed });
      }
      const len = typeof at === "string" ? at.length : 0;
      return error(DiagnosticCode.badSecretName, len > secret.max
        ? `Secret name is ${len} characters long; use at most ${secret.max}.`
        : looksLikePastedValue(at)
          // A long odd string in the allowlist is often a value pasted by mistake: never echo it.
          ? `This entry is not a secret name (names are ${secret.min}–${secret.max} of A–Z, a–z, 0–9 and '_'). If you pasted a secret value here, remove it and list the secret's name instead.`
          : `Secret name "${typeof at === "string" ? at : ""}" may only contain A–Z, a–z, 0–9 and '_' (${secret.min}–${secret.max} characters). Rename it, e.g. "${typeof at === "string" ? suggestSecretName(at) : "MY_TOKEN"}".`);
    }
    case "maxLength":
      return error(DiagnosticCode.descriptionTooLong, `The description is ${typeof at === "string" ? at.length : "?"} characters long; shorten it to at most ${manifestLimits.descriptionMaxLength}.`);
    case "minimum":
    case "maximum": {
      const schema = manifestSchemaAt(path);
      const def = schema?.["x-broker-default"];
      return error(DiagnosticCode.outOfRange, `${displayPath(path)} must be between ${schema?.minimum ?? "?"} and ${schema?.maximum ?? "?"}, got ${showValue(at)}.${def === undefined ? "" : ` The broker default is ${def}; this setting can only lower it.`}`);
    }
    case "uniqueItems":
      return undefined; // reported with both places by the duplicate check
    default:
      return error(DiagnosticCode.invalidValue, `${displayPath(path) || "The manifest"} is invalid: ${err.message ?? err.keyword}.`);
  }
}

function exampleFor(path: ManifestPath): string {
  switch (path.join(".")) {
    case "schema_version": return `schema_version = ${currentSchemaVersion}`;
    case "project": return "[project] with name = \"<folder name>\"";
    case "project.name": return "name = \"<folder name>\"";
    case "project.description": return "description = \"text\"";
    case "allowlist": return "[allowlist] with secrets = []";
    case "allowlist.secrets": return "secrets = [\"GITHUB_TOKEN\"]";
    case "cache": return `[cache] with ttl_seconds = ${brokerCacheDefaults.ttlSeconds}`;
    case "cache.ttl_seconds": return `ttl_seconds = ${brokerCacheDefaults.ttlSeconds}`;
    case "cache.max_entries": return `max_entries = ${brokerCacheDefaults.maxEntries}`;
    default: return typeof path.at(-1) === "number" && path[0] === "allowlist" ? "\"GITHUB_TOKEN\"" : "a valid value";
  }
}

function looksLikePastedValue(v: unknown): boolean {
  return typeof v === "string" && v.length > 24;
}
