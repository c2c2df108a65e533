import { quoteShell } from "#protocol/shell-quote";
import type { SecretValue } from "./secrets.ts";

/** Output formats of `env --format`. */
export const envFormats = ["shell", "dotenv", "json"] as const;

/** One output format of `env`. */
export type EnvFormat = (typeof envFormats)[number];

/** Characters a dotenv reader takes literally without quotes. */
const plainDotenv = /^[A-Za-z0-9_./:@+,=%^~-]*$/;

/**
 * Renders `NAME=value` lines that dotenv readers (docker compose, python-dotenv, Node's
 * dotenv) all read back to the same bytes: bare when the value is plain, single-quoted
 * (literal) when it holds no `'` or newline, else double-quoted with \\ \" \n escapes.
 */
export function renderDotenv(values: readonly SecretValue[]): string {
  return values.map((v) => `${v.name}=${quoteDotenv(v.text ?? "")}\n`).join("");
}

function quoteDotenv(text: string): string {
  if (plainDotenv.test(text)) return text;
  if (!/['\n\r]/.test(text)) return `'${text}'`;
  return `"${text.replace(/[\\"\n\r]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\${c}`))}"`;
}

/** Renders `export NAME='value'` lines for `eval "$(remo-secrets env)"`, in the order given. */
export function renderExports(values: readonly SecretValue[]): string {
  return values.map((v) => `export ${v.name}=${quoteShell(v.text ?? "")}\n`).join("");
}

/** Renders the values in one format (json: one object on a line). */
export function renderEnv(values: readonly SecretValue[], format: EnvFormat): string {
  switch (format) {
    case "shell": return renderExports(values);
    case "dotenv": return renderDotenv(values);
    case "json": return JSON.stringify(Object.fromEntries(values.map((v) => [v.name, v.text]))) + "\n";
  }
}
