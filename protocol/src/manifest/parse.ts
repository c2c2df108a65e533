import type { Manifest, ManifestContext, ManifestParseResult } from "./model.ts";
import { parseTomlText, tomlSyntaxIssue } from "./toml-syntax.ts";
import { validateManifestValue } from "./validate.ts";

/** Parses and validates a manifest's text. Never throws; the text never appears in messages. */
export function parseManifest(text: string, context: ManifestContext = {}): ManifestParseResult {
  let value: Record<string, unknown>;
  try {
    value = parseTomlText(text);
  } catch (e) {
    return { value: undefined, manifest: undefined, issues: [tomlSyntaxIssue(e)] };
  }
  const issues = validateManifestValue(value, context);
  const hasError = issues.some((i) => i.severity === "error");
  return { value, manifest: hasError ? undefined : toManifest(value), issues };
}

function toManifest(value: Record<string, unknown>): Manifest {
  const v = value as { project: { name: string; description?: string }; allowlist: { secrets: string[] }; cache?: { ttl_seconds?: number; max_entries?: number } };
  return {
    schemaVersion: 1,
    project: v.project.description === undefined ? { name: v.project.name } : { name: v.project.name, description: v.project.description },
    allowlist: [...v.allowlist.secrets],
    cache: {
      ...(v.cache?.ttl_seconds === undefined ? {} : { ttlSeconds: v.cache.ttl_seconds }),
      ...(v.cache?.max_entries === undefined ? {} : { maxEntries: v.cache.max_entries }),
    },
  };
}
