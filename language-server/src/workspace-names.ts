// Turns the client's answer to remo/workspaceSecretNames into completion name sources. The
// answer crosses a process boundary, so every field is checked; anything else is dropped.
import type { NameSource } from "./complete.ts";

/** The name sources in a `remo/workspaceSecretNames` answer (plain strings are other manifests' names). */
export function workspaceNameSources(answer: unknown): NameSource[] {
  if (!Array.isArray(answer)) return [];
  const out: NameSource[] = [];
  for (const item of answer as unknown[]) {
    if (typeof item === "string") {
      out.push({ name: item, source: "workspace" });
      continue;
    }
    if (typeof item !== "object" || item === null) continue;
    const { name, source, description, documentationUrl } = item as Record<string, unknown>;
    if (typeof name !== "string") continue;
    if (source === "devcontainer") {
      out.push({
        name, source: "devcontainer",
        ...(typeof description === "string" ? { description: description.slice(0, 1024) } : {}),
        ...(typeof documentationUrl === "string" && /^https?:\/\//i.test(documentationUrl) ? { documentationUrl } : {}),
      });
    } else {
      out.push({ name, source: "workspace" });
    }
  }
  return out;
}
