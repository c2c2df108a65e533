import type { CodeLens } from "vscode-languageserver";
import { SET_SECRET_COMMAND, type SecretState } from "#protocol/lsp";
import type { ParsedManifest } from "./toml/parse.ts";
import { allowlistItems } from "./validate.ts";

/**
 * One lens above each allowlisted name once the client has sent secret state: whether a
 * value is set on this laptop (and when a container last fetched it), or a "Set value…" link.
 */
export function codeLenses(doc: ParsedManifest, secrets: ReadonlyMap<string, SecretState> | undefined, now: number): CodeLens[] {
  if (secrets === undefined) return [];
  return allowlistItems(doc).map((item) => {
    const state = secrets.get(item.name);
    const range = doc.lines.rangeOf(item.span);
    if (state?.hasValue !== true) {
      return { range, command: { title: `${item.name}: no value on this laptop — Set value…`, command: SET_SECRET_COMMAND, arguments: [item.name] } };
    }
    const fetched = state.lastFetchedAt === undefined ? undefined : Date.parse(state.lastFetchedAt);
    const when = fetched === undefined || Number.isNaN(fetched) ? "" : ` · fetched ${relativeTime(now - fetched)}`;
    // An empty command id makes the lens plain text: there is nothing to do for a set value.
    return { range, command: { title: `${item.name}: value set${when}`, command: "" } };
  });
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function relativeTime(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return "just now";
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}
