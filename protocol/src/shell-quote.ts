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

/** Words a POSIX shell reads as themselves: no quoting needed. */
const plainWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes a string as one POSIX `sh` word only when it needs it, so commands shown to a user
 * (`chmod 600 /var/lib/…`) stay readable; anything else is quoted as {@link quoteShell} does.
 *
 * @param value - any text without NUL
 * @returns `value` itself when it is a plain word, else its single-quoted form
 * @throws Error when `value` contains NUL
 */
export function quoteShellWord(value: string): string {
  return plainWord.test(value) ? value : quoteShell(value);
}
