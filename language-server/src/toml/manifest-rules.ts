// The manifest findings the editor adds to protocol's validation, because only the text shows them.
import { currentSchemaVersion, DiagnosticCode, integerPaths, schemaVersionTypeMessage, type ManifestIssue } from "#protocol";
import { entryAt, type TomlKeyIndex } from "./key-index.ts";

/** A key inside a blanked (broken) statement is not missing, only broken: its syntax error says so. */
export function withoutBrokenKeys(issues: ManifestIssue[], originalIndex: TomlKeyIndex): ManifestIssue[] {
  return issues.filter((i) => i.code !== DiagnosticCode.missingKey || entryAt(originalIndex, [...i.path, String(i.data?.key)]) === undefined);
}

// smol-toml reads `1.0` as the number 1, so the schema's "integer" cannot see that a float
// was written; the text can. (The broker accepts such a manifest; the editor flags it.)
const integerKeyPaths = integerPaths();
const integerKeys = [...new Set(integerKeyPaths.map((p) => p.at(-1) ?? ""))];

// Only a written float can trip the integer check below, so most files skip the position map
// entirely. indexOf finds the few candidate keys far faster than one regex over the whole text.
const floatAfterKey = /["']?[ \t]*=[ \t]*[+-]?\d[\d_]*[.eE]/y;

function maybeFloatInteger(text: string): boolean {
  for (const key of integerKeys) {
    for (let i = text.indexOf(key); i !== -1; i = text.indexOf(key, i + 1)) {
      floatAfterKey.lastIndex = i + key.length;
      if (floatAfterKey.test(text)) return true;
    }
  }
  return false;
}

/** An issue for each integer setting written as a float, unless `issues` already has one there. */
export function floatForIntegerIssues(text: string, index: () => TomlKeyIndex, issues: readonly ManifestIssue[]): ManifestIssue[] {
  if (!maybeFloatInteger(text)) return [];
  const out: ManifestIssue[] = [];
  for (const path of integerKeyPaths) {
    const span = entryAt(index(), path)?.valueSpan;
    if (span === undefined || issues.some((i) => i.path.join(".") === path.join("."))) continue;
    const written = text.slice(span.start, span.end);
    if (!/^[+-]?\d[\d_]*(\.[\d_]+)?([eE][+-]?\d+)?$/.test(written) || !/[.eE]/.test(written)) continue;
    const dotted = path.join(".");
    const asInt = String(Math.round(Number(written.replace(/_/g, ""))));
    out.push(dotted === "schema_version"
      ? { code: DiagnosticCode.unsupportedSchemaVersion, severity: "error", path, target: "value", message: schemaVersionTypeMessage(`the float ${written}`), data: { replacement: currentSchemaVersion } }
      : { code: DiagnosticCode.wrongType, severity: "error", path, target: "value", message: `${dotted} must be an integer, not the float ${written}. Write it as ${path.at(-1) ?? dotted} = ${asInt}.` });
  }
  return out;
}
