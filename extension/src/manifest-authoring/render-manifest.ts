// Writes a new manifest and the .gitignore block for the generated location. Pure: text in, text out.
import { CodedError, manifestLimits, normalizeProjectName, projectNamePattern, secretNamePattern } from "#protocol";

/** Why a manifest could not be rendered. */
export type ManifestAuthoringCode = "bad_project_name" | "bad_secret_name" | "description_too_long";

/** A rendering error whose message says what to do. */
export class ManifestAuthoringError extends CodedError<ManifestAuthoringCode> {
  constructor(code: ManifestAuthoringCode, message: string) {
    super("ManifestAuthoringError", code, message);
  }
}

/**
 * Renders a schema_version 1 manifest that `parseManifest` accepts. Secret names are
 * de-duplicated in first-seen order.
 * @throws ManifestAuthoringError when the project name, a secret name or the description is not valid
 */
export function renderManifest(opts: { projectName: string; secrets: string[]; description?: string }): string {
  if (!projectNamePattern.test(opts.projectName)) {
    const suggestion = normalizeProjectName(opts.projectName);
    throw new ManifestAuthoringError("bad_project_name",
      `"${printable(opts.projectName)}" is not a valid project name: the manifest's name must equal the project folder's name and use 1–64 lowercase letters, digits, '_' or '-'. `
      + (suggestion === undefined ? "Rename the project folder." : `Rename the project folder to "${suggestion}".`));
  }
  const secrets = [...new Set(opts.secrets)];
  const bad = secrets.find((s) => !secretNamePattern.test(s));
  if (bad !== undefined) {
    throw new ManifestAuthoringError("bad_secret_name", `"${printable(bad)}" is not a valid secret name: use 1–128 of A–Z, a–z, 0–9 and '_'. Leave it out or rename it.`);
  }
  const description = opts.description?.trim();
  if (description !== undefined && description.length > manifestLimits.descriptionMaxLength) {
    throw new ManifestAuthoringError("description_too_long", `The description is ${description.length} characters long; shorten it to at most ${manifestLimits.descriptionMaxLength}.`);
  }
  const lines = [
    "# Remo Secrets manifest: the secrets this project's containers may fetch from the broker.",
    "# Names only. Set values with \"Remo: Set Secret\" and send them with \"Remo: Push Secrets\".",
    "schema_version = 1",
    "",
    "[project]",
    `name = ${tomlString(opts.projectName)}`,
    ...(description === undefined || description === "" ? [] : [`description = ${tomlString(description)}`]),
    "",
    "[allowlist]",
    ...(secrets.length === 0 ? ["secrets = []"] : ["secrets = [", ...secrets.map((s) => `  ${tomlString(s)},`), "]"]),
    "",
  ];
  return lines.join("\n");
}

/** The first marker line of the block this extension owns in .gitignore. */
export const gitignoreBlockStart = "# >>> remo-secrets (generated manifest location) >>>";
/** The last marker line of that block. */
export const gitignoreBlockEnd = "# <<< remo-secrets <<<";
const ignoreLine = ".remo/";

/**
 * Makes sure .gitignore ignores `.remo/` inside a marked block. Idempotent: a second call
 * changes nothing; a plain `.remo/` rule the user wrote elsewhere is respected as is.
 */
export function ensureGitignoreBlock(existing: string | undefined): { text: string; changed: boolean } {
  const text = existing ?? "";
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === gitignoreBlockStart);
  const end = start === -1 ? -1 : lines.findIndex((l, i) => i > start && l.trim() === gitignoreBlockEnd);
  if (start !== -1 && end !== -1) {
    if (lines.slice(start + 1, end).some(isRemoRule)) return { text, changed: false };
    // The block was edited by hand and lost its rule: put it back inside the block.
    lines.splice(end, 0, ignoreLine);
    return { text: lines.join(eol), changed: true };
  }
  if (lines.some(isRemoRule)) return { text, changed: false };
  const block = [gitignoreBlockStart, ignoreLine, gitignoreBlockEnd].join(eol) + eol;
  if (text === "") return { text: block, changed: true };
  const sep = text.endsWith("\n") ? "" : eol;
  return { text: text + sep + block, changed: true };
}

function isRemoRule(line: string): boolean {
  return /^\/?\.remo\/?(\*\*)?$/.test(line.trim());
}

/** A TOML basic string. JSON escapes are valid TOML escapes, once lone surrogates are gone. */
function tomlString(s: string): string {
  return JSON.stringify(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
}

function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 70 ? `${clean.slice(0, 70)}…` : clean;
}
