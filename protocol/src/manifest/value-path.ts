import type { ManifestPath } from "./model.ts";

/** The value at `path`, or undefined when something on the way is not a table or array. */
export function getIn(value: unknown, path: ManifestPath): unknown {
  let node: unknown = value;
  for (const part of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** A JSON pointer (Ajv's instancePath) as a path; digit segments become array indexes. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((p) => {
    const s = p.replace(/~1/g, "/").replace(/~0/g, "~");
    return /^\d+$/.test(s) ? Number(s) : s;
  });
}

/** A path as a message names it: `cache.ttl_seconds`, `allowlist.secrets[2]`. */
export function displayPath(path: ManifestPath): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replace(/\.\[/g, "[");
}
