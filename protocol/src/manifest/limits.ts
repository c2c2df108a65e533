// The manifest's numbers, read from its JSON schema so the schema stays their one definition.
import type { Manifest } from "./model.ts";
import { schemaKeyword } from "./schema.ts";

/** The manifest schema versions this code reads. */
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = schemaKeyword(["schema_version"], "enum").filter((v): v is number => typeof v === "number");

/** The version a new or fixed manifest should say. */
export const currentSchemaVersion = Math.max(...SUPPORTED_SCHEMA_VERSIONS);

const range = (path: string[]): { min: number; max: number } => ({ min: schemaKeyword(path, "minimum"), max: schemaKeyword(path, "maximum") });

/** Limits from the schema, named once. */
export const manifestLimits = {
  descriptionMaxLength: schemaKeyword(["project", "description"], "maxLength"),
  ttlSeconds: range(["cache", "ttl_seconds"]),
  maxEntries: range(["cache", "max_entries"]),
} as const;

/** The broker's cache defaults; a manifest may only lower them. */
export const brokerCacheDefaults = {
  ttlSeconds: schemaKeyword(["cache", "ttl_seconds"], "x-broker-default"),
  maxEntries: schemaKeyword(["cache", "max_entries"], "x-broker-default"),
} as const;

/** The cache limits that apply to a project: the manifest's, capped by the broker's. */
export function effectiveCacheLimits(manifest: Manifest, broker: { ttlSeconds: number; maxEntries: number } = brokerCacheDefaults): { ttlSeconds: number; maxEntries: number } {
  return {
    ttlSeconds: Math.min(manifest.cache.ttlSeconds ?? broker.ttlSeconds, broker.ttlSeconds),
    maxEntries: Math.min(manifest.cache.maxEntries ?? broker.maxEntries, broker.maxEntries),
  };
}
