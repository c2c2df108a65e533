// The dev container spec's standard `secrets` property ({ NAME: { description?, documentationUrl? } }):
// synthesis lists the manifest's names there, so Codespaces and other tools know what the
// project needs, and the manifest editor offers the names a devcontainer.json already lists.
import { findNodeAtLocation, getNodeValue, type Node } from "jsonc-parser";
import { appendEntry, parseJsonc, type TextStyle } from "./jsonc-edit.ts";

/** One recommended secret as synthesis writes it. */
export interface RecommendedSecret {
  name: string;
  description?: string;
}

/** One entry of an existing `secrets` block. */
export interface ListedSecret {
  name: string;
  description?: string;
  documentationUrl?: string;
}

/** The names the devcontainer schema accepts as `secrets` keys (environment-variable style). */
export const devcontainerSecretNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The description synthesis writes for a manifest name: where it is allowlisted and how a container reads it. */
export function describeSecret(name: string, projectName: string, manifestPath: string): string {
  return `Allowlisted for ${projectName} in ${manifestPath}; Remo Secrets delivers it from your laptop to the container (remo-secrets get ${name}).`;
}

/**
 * Adds each secret that the `secrets` block does not list yet, with its description, creating
 * the block when missing. Existing entries, their descriptions and comments stay as they are.
 * Names the dev container schema does not accept (a leading digit) are reported, not written.
 */
export function ensureSecretsBlock(text: string, root: Node, secrets: readonly RecommendedSecret[], style: TextStyle, changes: string[], notes: string[]): string {
  const usable = unique(secrets).filter((s) => devcontainerSecretNamePattern.test(s.name));
  const skipped = unique(secrets).filter((s) => !devcontainerSecretNamePattern.test(s.name)).map((s) => s.name);
  if (skipped.length > 0) notes.push(`Not listed in "secrets" (the dev container spec wants names that start with a letter or '_'): ${skipped.join(", ")}.`);
  if (usable.length === 0) return text;
  const block = findNodeAtLocation(root, ["secrets"]);
  const entry = (s: RecommendedSecret): Record<string, string> => (s.description === undefined ? {} : { description: s.description });
  if (block === undefined) {
    changes.push(`Added "secrets" listing ${usable.map((s) => s.name).join(", ")}, so tools that read devcontainer.json know the project needs them.`);
    return appendEntry(text, [], "secrets", Object.fromEntries(usable.map((s) => [s.name, entry(s)])), style);
  }
  if (block.type !== "object") {
    notes.push(`"secrets" is not an object, so the manifest's names were not listed there. Make it an object ({ "NAME": { "description": "…" } }) and synthesize again.`);
    return text;
  }
  const listed = new Set(Object.keys(getNodeValue(block) as Record<string, unknown>));
  const missing = usable.filter((s) => !listed.has(s.name));
  let out = text;
  for (const s of missing) out = appendEntry(out, ["secrets"], s.name, entry(s), style);
  if (missing.length > 0) changes.push(`Listed ${missing.map((s) => s.name).join(", ")} in "secrets".`);
  return out;
}

/** The first entry of each name (a manifest may list a name twice; its own diagnostics say so). */
export function unique(secrets: readonly RecommendedSecret[]): RecommendedSecret[] {
  const seen = new Set<string>();
  return secrets.filter((s) => {
    if (seen.has(s.name)) return false;
    seen.add(s.name);
    return true;
  });
}

/**
 * The entries of a devcontainer.json's `secrets` block ([] when it has none). Read tolerantly, as
 * the editor does: a file in the middle of an edit still yields the names it already lists.
 */
export function readSecretsBlock(text: string): ListedSecret[] {
  const { root } = parseJsonc(text);
  const block = root === undefined ? undefined : findNodeAtLocation(root, ["secrets"]);
  if (block?.type !== "object") return [];
  const out: ListedSecret[] = [];
  for (const [name, v] of Object.entries(getNodeValue(block) as Record<string, unknown>)) {
    const meta = typeof v === "object" && v !== null ? v as { description?: unknown; documentationUrl?: unknown } : {};
    out.push({
      name,
      ...(typeof meta.description === "string" ? { description: meta.description } : {}),
      ...(typeof meta.documentationUrl === "string" ? { documentationUrl: meta.documentationUrl } : {}),
    });
  }
  return out;
}

/**
 * Where the devcontainer.json of the project a manifest belongs to lives, relative to the
 * manifest's folder, most likely first: next to `.devcontainer/remo-broker.toml`, or in the
 * project root's `.devcontainer/` (and the root-level `.devcontainer.json`) for `.remo/broker.toml`.
 */
export function projectDevcontainerPaths(manifestPath: string): string[] {
  const parts = manifestPath.split("/");
  const file = parts.pop();
  const folder = parts.pop();
  if (folder === ".devcontainer" && file === "remo-broker.toml") return [[...parts, ".devcontainer", "devcontainer.json"].join("/")];
  if (folder === ".remo" && file === "broker.toml") return [[...parts, ".devcontainer", "devcontainer.json"].join("/"), [...parts, ".devcontainer.json"].join("/")];
  return [];
}
