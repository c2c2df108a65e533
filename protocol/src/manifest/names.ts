// Project and secret names. The patterns are the manifest schema's (their one definition),
// extracted by `npm run gen` so the container client gets them without the whole schema; the
// lengths and allowed characters are read off those patterns.
import { projectNamePatternSource, secretNamePatternSource } from "../generated/names.ts";

/** A name pattern of the shape `^[first]?[rest]{m,n}$`, taken apart. */
export interface NameRule {
  pattern: RegExp;
  minLength: number;
  maxLength: number;
  /** The characters the first position allows, as a character-class body (e.g. `a-z0-9`). */
  firstChars: string;
  /** The characters every other position allows. */
  chars: string;
}

function nameRule(source: string, what: string): NameRule {
  const m = /^\^(?:\[([^\]]+)\])?\[([^\]]+)\]\{(\d+),(\d+)\}\$$/.exec(source);
  if (m === null) throw new Error(`schemas/manifest.v1.json: the ${what} pattern is not of the form ^[first]?[chars]{m,n}$, which names.ts reads`);
  const lead = m[1] === undefined ? 0 : 1;
  const chars = m[2] ?? "";
  return { pattern: new RegExp(source), minLength: lead + Number(m[3]), maxLength: lead + Number(m[4]), firstChars: m[1] ?? chars, chars };
}

/** Project names: also the name of the project's socket directory. */
export const projectNameRule = nameRule(projectNamePatternSource, "project name");
/** Secret names, case-sensitive. */
export const secretNameRule = nameRule(secretNamePatternSource, "secret name");

/** A project name: also the socket's file name. */
export const projectNamePattern = projectNameRule.pattern;
/** A secret name, case-sensitive. */
export const secretNamePattern = secretNameRule.pattern;

const notProjectChars = new RegExp(`[^${projectNameRule.chars}]+`, "g");
const badProjectStart = new RegExp(`^[^${projectNameRule.firstChars}]+`);
const notSecretChars = new RegExp(`[^${secretNameRule.chars}]+`, "g");

/** Lowercases and replaces what a project name may not hold; undefined when nothing usable is left. */
export function normalizeProjectName(name: string): string | undefined {
  const n = name.toLowerCase().replace(notProjectChars, "-").replace(badProjectStart, "").slice(0, projectNameRule.maxLength);
  return projectNamePattern.test(n) ? n : undefined;
}

/** A valid secret name close to an invalid one, for a message's example. */
export function suggestSecretName(name: string): string {
  const n = name.replace(notSecretChars, "_").slice(0, secretNameRule.maxLength);
  return /[A-Za-z0-9]/.test(n) ? n : "MY_TOKEN";
}
