import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList, type MarkupContent, type Range } from "vscode-languageserver";
import { allowedKeys, brokerCacheDefaults, manifestSchemaAt, normalizeProjectName, requiredKeys, secretNamePattern } from "#protocol";
import { cursorContext } from "./toml/cursor.ts";
import { buildKeyIndex, entryAt, type KeyPath, type TomlKeyIndex } from "./toml/key-index.ts";
import type { ParsedManifest } from "./toml/parse.ts";

/** Secret names developers commonly allowlist, offered after the user's own names. */
export const commonSecretNames = [
  "GITHUB_TOKEN", "GH_TOKEN", "NPM_TOKEN", "GITLAB_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
  "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DOCKERHUB_TOKEN", "DOCKERHUB_USERNAME", "PYPI_TOKEN", "CARGO_REGISTRY_TOKEN",
  "HF_TOKEN", "SENTRY_AUTH_TOKEN", "SLACK_BOT_TOKEN", "STRIPE_SECRET_KEY", "DATABASE_URL",
] as const;

/** A secret name offered by completion, and where it came from. */
export interface NameSource {
  name: string;
  /** `devcontainer`: listed in the project's devcontainer.json `secrets` block. */
  source: "laptop" | "devcontainer" | "workspace" | "common";
  /** For laptop names: whether a value is stored. */
  hasValue?: boolean;
  /** For devcontainer names: the block's description and documentation link. */
  description?: string;
  documentationUrl?: string;
}

/** What completion needs besides the document. */
export interface CompletionInput {
  offset: number;
  folderName: string | undefined;
  names: readonly NameSource[];
  snippets: boolean;
}

// The project's own devcontainer.json says what it needs: after the laptop's names, before other manifests'.
const sortGroup: Record<NameSource["source"], string> = { laptop: "0", devcontainer: "1", workspace: "2", common: "3" };

/**
 * Completion at a cursor: the whole manifest in an empty file; keys and tables valid where
 * the cursor is and not already present; values for known keys; secret names not yet listed.
 */
export function complete(doc: ParsedManifest, input: CompletionInput): CompletionList {
  const raw = buildKeyIndex(doc.text);
  const ctx = cursorContext(doc.text, doc.lines, input.offset, raw);
  const projectName = (input.folderName === undefined ? undefined : normalizeProjectName(input.folderName)) ?? "my-project";
  const range = (start: number, end = input.offset): Range => doc.lines.rangeOf({ start, end });
  const snippet = (text: string, plain: string): { insertTextFormat: InsertTextFormat; newText: string } =>
    input.snippets ? { insertTextFormat: InsertTextFormat.Snippet, newText: text } : { insertTextFormat: InsertTextFormat.PlainText, newText: plain };
  const items: CompletionItem[] = [];
  switch (ctx.kind) {
    case "empty": {
      const s = snippet(
        `schema_version = 1\n\n[project]\nname = "\${1:${projectName}}"\n\n[allowlist]\nsecrets = [\${2:"GITHUB_TOKEN"}]\n`,
        `schema_version = 1\n\n[project]\nname = "${projectName}"\n\n[allowlist]\nsecrets = []\n`);
      items.push({
        label: "Remo manifest", kind: CompletionItemKind.Snippet, detail: "schema_version, [project] and [allowlist]",
        documentation: { kind: MarkupKind.Markdown, value: "A complete manifest for this project. Add secret names to `secrets`." },
        textEdit: { range: doc.lines.rangeOf({ start: 0, end: doc.text.length }), newText: s.newText }, insertTextFormat: s.insertTextFormat, preselect: true,
      });
      break;
    }
    case "header":
      for (const t of missingTables(raw, [])) {
        const s = snippet(tableSnippet(t, projectName, true), tableSnippet(t, projectName, false));
        items.push({ label: `[${t}]`, kind: CompletionItemKind.Module, filterText: `[${t}]`, ...docOf([t]), textEdit: { range: range(ctx.replaceStart), newText: s.newText }, insertTextFormat: s.insertTextFormat });
      }
      break;
    case "key": {
      if (ctx.lineHasText) break;
      for (const key of allowedKeys(ctx.table)) {
        const path = [...ctx.table, key];
        if (entryAt(raw, path) !== undefined || manifestSchemaAt(path)?.properties !== undefined) continue;
        const s = snippet(keySnippet(path, projectName, true), keySnippet(path, projectName, false));
        items.push({ label: key, kind: CompletionItemKind.Property, detail: requiredKeys(ctx.table).includes(key) ? "required" : "optional", ...docOf(path), textEdit: { range: range(ctx.replaceStart), newText: s.newText }, insertTextFormat: s.insertTextFormat, sortText: `0${key}` });
      }
      for (const t of missingTables(raw, [])) {
        const s = snippet(tableSnippet(t, projectName, true), tableSnippet(t, projectName, false));
        items.push({ label: `[${t}]`, kind: CompletionItemKind.Module, filterText: t, ...docOf([t]), textEdit: { range: range(ctx.replaceStart), newText: s.newText }, insertTextFormat: s.insertTextFormat, sortText: `1${t}` });
      }
      break;
    }
    case "value":
      items.push(...valueItems(ctx.path, projectName).map((v) => ({ ...v, textEdit: { range: range(ctx.replaceStart), newText: v.label } })));
      break;
    case "array-item": {
      if (ctx.path.join(".") !== "allowlist.secrets") break;
      const listed = new Set([...ctx.listed, ...listedSecrets(doc)]);
      const seen = new Set<string>();
      for (const n of input.names) {
        if (listed.has(n.name) || seen.has(n.name) || !secretNamePattern.test(n.name)) continue;
        seen.add(n.name);
        items.push({
          label: n.name, kind: CompletionItemKind.Constant,
          detail: nameDetail(n),
          ...nameDocumentation(n),
          sortText: `${sortGroup[n.source]}${n.name}`,
          textEdit: { range: range(ctx.replaceStart, ctx.replaceEnd), newText: ctx.inString ? n.name : `"${n.name}"` },
        });
      }
      break;
    }
    case "none":
      break;
  }
  return { isIncomplete: false, items };
}

function listedSecrets(doc: ParsedManifest): string[] {
  const s = (doc.value?.allowlist as { secrets?: unknown } | undefined)?.secrets;
  return Array.isArray(s) ? s.filter((x): x is string => typeof x === "string") : [];
}

function missingTables(raw: TomlKeyIndex, parent: KeyPath): string[] {
  return allowedKeys(parent).filter((k) => manifestSchemaAt([...parent, k])?.properties !== undefined && entryAt(raw, [...parent, k]) === undefined);
}

function docOf(path: KeyPath): Pick<CompletionItem, "documentation"> {
  const s = manifestSchemaAt(path);
  const text = s?.markdownDescription ?? s?.description;
  return text === undefined ? {} : { documentation: { kind: MarkupKind.Markdown, value: text } };
}

function tableSnippet(table: string, projectName: string, snippet: boolean): string {
  switch (table) {
    case "project": return snippet ? `[project]\nname = "\${1:${projectName}}"` : `[project]\nname = "${projectName}"`;
    case "allowlist": return snippet ? "[allowlist]\nsecrets = [$1]" : "[allowlist]\nsecrets = []";
    case "cache": return snippet ? `[cache]\nttl_seconds = \${1:${brokerCacheDefaults.ttlSeconds}}` : `[cache]\nttl_seconds = ${brokerCacheDefaults.ttlSeconds}`;
    default: return `[${table}]`;
  }
}

function keySnippet(path: KeyPath, projectName: string, snippet: boolean): string {
  const key = String(path.at(-1));
  switch (path.join(".")) {
    case "schema_version": return "schema_version = 1";
    case "project.name": return snippet ? `name = "\${1:${projectName}}"` : `name = "${projectName}"`;
    case "project.description": return snippet ? "description = \"$1\"" : "description = \"\"";
    case "allowlist.secrets": return snippet ? "secrets = [$1]" : "secrets = []";
    case "cache.ttl_seconds": return snippet ? `ttl_seconds = \${1:${brokerCacheDefaults.ttlSeconds}}` : `ttl_seconds = ${brokerCacheDefaults.ttlSeconds}`;
    case "cache.max_entries": return snippet ? `max_entries = \${1:${brokerCacheDefaults.maxEntries}}` : `max_entries = ${brokerCacheDefaults.maxEntries}`;
    default: return `${key} = `;
  }
}

function valueItems(path: KeyPath, projectName: string): CompletionItem[] {
  switch (path.join(".")) {
    case "schema_version": return [{ label: "1", kind: CompletionItemKind.Value, detail: "the only supported version" }];
    case "project.name": return [{ label: `"${projectName}"`, kind: CompletionItemKind.Value, detail: "the project folder's name" }];
    case "allowlist.secrets": return [{ label: "[]", kind: CompletionItemKind.Value }];
    case "cache.ttl_seconds": return [{ label: String(brokerCacheDefaults.ttlSeconds), kind: CompletionItemKind.Value, detail: "the broker default (maximum effective value)" }];
    case "cache.max_entries": return [{ label: String(brokerCacheDefaults.maxEntries), kind: CompletionItemKind.Value, detail: "the broker default (maximum effective value)" }];
    default: return [];
  }
}

function nameDetail(n: NameSource): string {
  switch (n.source) {
    case "laptop": return n.hasValue === true ? "value set on this laptop" : "known on this laptop, no value yet";
    case "devcontainer": return "listed in devcontainer.json \"secrets\"";
    case "workspace": return "used in another manifest of this workspace";
    case "common": return "common secret name";
  }
}

/** The devcontainer.json block's own words for a name, as the completion item's documentation. */
function nameDocumentation(n: NameSource): { documentation?: MarkupContent } {
  if (n.source !== "devcontainer" || (n.description === undefined && n.documentationUrl === undefined)) return {};
  const parts = [n.description === undefined ? undefined : escapeMarkdown(n.description), n.documentationUrl === undefined ? undefined : `[Documentation](${n.documentationUrl.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)})`];
  return { documentation: { kind: MarkupKind.Markdown, value: parts.filter((p) => p !== undefined).join("\n\n") } };
}

function escapeMarkdown(s: string): string {
  // Only what would turn plain text into markup (emphasis, code, links, HTML).
  return s.replace(/[\\`*_[\]<>]/g, "\\$&");
}
