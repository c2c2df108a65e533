import manifestSchema from "../../../schemas/manifest.v1.json" with { type: "json" };
import type { ManifestPath } from "./model.ts";

/** The parts of a JSON Schema node this code reads. */
export interface ManifestSchemaNode {
  "type"?: string;
  "properties"?: Record<string, ManifestSchemaNode>;
  "required"?: string[];
  "description"?: string;
  "markdownDescription"?: string;
  "items"?: ManifestSchemaNode;
  "enum"?: unknown[];
  "pattern"?: string;
  "maxLength"?: number;
  "x-broker-default"?: number;
  "minimum"?: number;
  "maximum"?: number;
}

/** The JSON Schema node for a manifest path, or undefined (hover and completion read descriptions from it). */
export function manifestSchemaAt(path: ManifestPath): ManifestSchemaNode | undefined {
  let node: ManifestSchemaNode | undefined = manifestSchema;
  for (const part of path) {
    if (node === undefined) return undefined;
    node = typeof part === "number" ? node.items : node.properties?.[part];
  }
  return node;
}

/** The keys allowed in the table at `path` (root: `[]`). */
export function allowedKeys(path: ManifestPath): string[] {
  return Object.keys(manifestSchemaAt(path)?.properties ?? {});
}

/** The keys required in the table at `path`. */
export function requiredKeys(path: ManifestPath): string[] {
  return manifestSchemaAt(path)?.required ?? [];
}

/**
 * A keyword's value at a schema path that this code relies on. Throws when the schema no longer
 * has it: a renamed key or a dropped limit must fail at load (and in every test), not later.
 */
export function schemaKeyword<K extends keyof ManifestSchemaNode>(path: ManifestPath, keyword: K): NonNullable<ManifestSchemaNode[K]> {
  const v = manifestSchemaAt(path)?.[keyword];
  if (v === undefined) throw new Error(`schemas/manifest.v1.json has no "${keyword}" at ${path.join(".") || "the root"}`);
  return v;
}

/** Every path whose schema type is "integer", in schema order (arrays are not followed). */
export function integerPaths(path: ManifestPath = []): string[][] {
  const out: string[][] = [];
  for (const [key, node] of Object.entries(manifestSchemaAt(path)?.properties ?? {})) {
    const here = [...path.map(String), key];
    if (node.type === "integer") out.push(here);
    else if (node.properties !== undefined) out.push(...integerPaths(here));
  }
  return out;
}
