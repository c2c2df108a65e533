// The one POSIX shell quoting helper. It lives in protocol/ because it is pure and several
// components print text a shell reads (the container client's `env`, scripts run over SSH).

/**
 * Quotes a string as one POSIX `sh` word: single quotes, each `'` written as `'\''`.
 * Nothing inside is expanded (`$`, backticks, `\`, newlines stay literal).
 *
 * @param value - any text without NUL (a shell word cannot carry NUL)
 * @returns the quoted word, `''` for the empty string
 * @throws Error when `value` contains NUL
 */
export function quoteShell(value: string): string {
  if (value.includes("\0")) throw new Error("a shell word cannot contain NUL");
  return `'${value.replaceAll("'", "'\\''")}'`;
}
