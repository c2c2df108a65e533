import { MarkupKind, type Hover } from "vscode-languageserver";
import { manifestSchemaAt } from "#protocol";
import type { SecretState } from "#protocol/lsp";
import { buildKeyIndex, type KeyEntry, type KeyPath } from "./toml/key-index.ts";
import type { ParsedManifest } from "./toml/parse.ts";
import type { Span } from "./toml/positions.ts";

const within = (s: Span | undefined, offset: number): s is Span => s !== undefined && s.start <= offset && offset <= s.end;

/**
 * Hover on a key, table header or value: what it means (the schema's markdownDescription),
 * its limits and the broker default it caps. On a secret name: whether it has a value here.
 */
export function hover(doc: ParsedManifest, offset: number, secrets: ReadonlyMap<string, SecretState> | undefined): Hover | null {
  const raw = buildKeyIndex(doc.text);
  let hit: { entry: KeyEntry; span: Span } | undefined;
  for (const e of raw.ordered) {
    if (within(e.keySpan, offset)) hit = { entry: e, span: e.keySpan };
    else if (e.kind === "item" && within(e.valueSpan, offset)) hit = { entry: e, span: e.valueSpan };
    else if (e.kind === "value" && e.items === undefined && within(e.valueSpan, offset)) hit = { entry: e, span: e.valueSpan };
    if (e.fullSpan.start > offset) break;
  }
  if (hit === undefined) return null;
  const path: KeyPath = hit.entry.path;
  const range = doc.lines.rangeOf(hit.span);
  if (hit.entry.kind === "item") {
    const name = hit.entry.stringValue;
    const schema = manifestSchemaAt(path);
    if (schema === undefined) return null;
    const parts = [`**Secret name** \`${name ?? ""}\``, schema.description ?? ""];
    if (name !== undefined && secrets !== undefined) {
      const state = secrets.get(name);
      parts.push(state?.hasValue === true ? "A value is stored on this laptop." : "No value on this laptop yet: use the quick fix **Set value…**.");
    }
    return { contents: { kind: MarkupKind.Markdown, value: parts.filter((p) => p !== "").join("\n\n") }, range };
  }
  const schema = manifestSchemaAt(path);
  if (schema === undefined) return null;
  const parts = [`**${path.filter((p) => typeof p === "string").join(".")}**${schema.properties === undefined ? "" : " (table)"}`];
  const text = schema.markdownDescription ?? schema.description;
  if (text !== undefined) parts.push(text);
  const limits = limitsOf(schema as Record<string, unknown>);
  if (limits !== "") parts.push(limits);
  return { contents: { kind: MarkupKind.Markdown, value: parts.join("\n\n") }, range };
}

function limitsOf(schema: Record<string, unknown>): string {
  const out: string[] = [];
  if (typeof schema.minimum === "number" && typeof schema.maximum === "number") out.push(`Range: ${schema.minimum}–${schema.maximum}.`);
  if (typeof schema.maxLength === "number") out.push(`At most ${schema.maxLength} characters.`);
  if (typeof schema["x-broker-default"] === "number") out.push(`Broker default: ${schema["x-broker-default"]} (a manifest can only lower it).`);
  if (Array.isArray(schema.required) && schema.required.length > 0) out.push(`Required keys: ${schema.required.map((k) => `\`${String(k)}\``).join(", ")}.`);
  return out.join(" ");
}
