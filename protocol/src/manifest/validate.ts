import { validateManifest } from "../generated/validators.js";
import { DiagnosticCode } from "../diagnostics.ts";
import { issueFromAjv } from "./ajv-messages.ts";
import type { ManifestContext, ManifestIssue, ManifestPath } from "./model.ts";
import { projectNamePattern } from "./names.ts";
import { bigIntsAsNumbers, containsBigInt, integerOverflowIssues } from "./toml-syntax.ts";
import { getIn } from "./value-path.ts";

/** Validates a parsed TOML value against schema v1 plus the rules a schema cannot express. */
export function validateManifestValue(value: Record<string, unknown>, context: ManifestContext = {}): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  // The schema validator knows numbers only: give it the bigints (64-bit integers) as numbers,
  // which fail the same range checks a huge number does; messages still quote the bigint.
  const hasBigInt = containsBigInt(value);
  const overflows = hasBigInt ? integerOverflowIssues(value) : [];
  const checked = hasBigInt ? bigIntsAsNumbers(value) : value;
  let duplicates = false;
  if (!validateManifest(checked)) {
    for (const err of validateManifest.errors ?? []) {
      if (err.keyword === "uniqueItems") duplicates = true;
      const issue = issueFromAjv(err, value);
      if (issue) issues.push(issue);
    }
  }
  // Ajv has already checked uniqueness; only locate every duplicate when it found one (a 10,000-name list is common enough).
  if (duplicates) issues.push(...duplicateSecretIssues(value));
  const name = getIn(value, ["project", "name"]);
  if (context.folderName !== undefined && typeof name === "string" && projectNamePattern.test(name) && name !== context.folderName) {
    const suggestion = projectNamePattern.test(context.folderName) ? context.folderName : undefined;
    issues.push({
      code: DiagnosticCode.projectNameMismatch,
      message: suggestion === undefined
        ? `Project name "${name}" must equal the project folder's name "${context.folderName}", which is not a valid project name. Rename the folder to lowercase letters, digits, '_' or '-'.`
        : `Project name "${name}" must equal the project folder's name. Set it to "${suggestion}".`,
      severity: "error",
      path: ["project", "name"],
      target: "value",
      ...(suggestion === undefined ? {} : { data: { replacement: suggestion } }),
    });
  }
  // An integer TOML itself rejects is the one finding about its key: as when smol-toml refused it.
  return [...overflows, ...dedupe(issues).filter((i) => !overflows.some((o) => isWithin(i.path, o.path)))];
}

function isWithin(path: ManifestPath, ancestor: ManifestPath): boolean {
  return path.length >= ancestor.length && ancestor.every((p, i) => path[i] === p);
}

function dedupe(issues: ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    // Two missing tables share a path ([]): the missing key tells them apart.
    const k = `${i.code}|${i.path.join("/")}|${i.target}|${JSON.stringify(i.data?.key ?? null)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Finds duplicate secret names: the later one is the error, the first one a hint pointing back. */
function duplicateSecretIssues(value: Record<string, unknown>): ManifestIssue[] {
  const secrets = getIn(value, ["allowlist", "secrets"]);
  if (!Array.isArray(secrets)) return [];
  const first = new Map<string, number>();
  const issues: ManifestIssue[] = [];
  secrets.forEach((s: unknown, i) => {
    if (typeof s !== "string") return;
    const prev = first.get(s);
    if (prev === undefined) {
      first.set(s, i);
      return;
    }
    issues.push({
      code: DiagnosticCode.duplicateSecret,
      message: `"${s}" is already in the allowlist (item ${prev + 1}). Remove this duplicate.`,
      severity: "error",
      path: ["allowlist", "secrets", i],
      target: "value",
      data: { name: s, firstIndex: prev, index: i },
    });
  });
  return issues;
}
