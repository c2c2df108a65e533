import { LSPErrorCodes, ResponseError, type CancellationToken } from "vscode-languageserver";

/** Where handler failures are reported (the connection's console in the server). */
export interface ErrorLog {
  error(message: string): void;
}

function formatError(message: string, err: unknown): string {
  if (err instanceof Error) return `${message}: ${err.message}\n${err.stack ?? ""}`;
  return `${message}: ${String(err)}`;
}

// A function call, so the check after the handler ran is not folded into the one before it.
function isCancelled(token: CancellationToken): boolean {
  return token.isCancellationRequested;
}

function cancelled<T>(): ResponseError<T> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, "Request cancelled");
}

/**
 * Runs a request handler inside an error boundary (json-language-features runner.ts):
 * a cancelled request answers RequestCancelled, a throwing one logs `errorMessage` with
 * the cause and answers `errorVal`, so one failing feature never takes down the others.
 */
export function runSafe<T, E>(log: ErrorLog, func: () => T, errorVal: T, errorMessage: string, token: CancellationToken): Promise<T | ResponseError<E>> {
  return new Promise((resolve) => {
    setImmediate(() => {
      if (token.isCancellationRequested) {
        resolve(cancelled());
        return;
      }
      try {
        const result = func();
        resolve(isCancelled(token) ? cancelled() : result);
      } catch (e) {
        log.error(formatError(errorMessage, e));
        resolve(errorVal);
      }
    });
  });
}

/** {@link runSafe} for handlers that await (completion asks the client for names). */
export async function runSafeAsync<T, E>(log: ErrorLog, func: () => Promise<T>, errorVal: T, errorMessage: string, token: CancellationToken): Promise<T | ResponseError<E>> {
  await new Promise((r) => setImmediate(r));
  if (token.isCancellationRequested) return cancelled();
  try {
    const result = await func();
    return isCancelled(token) ? cancelled() : result;
  } catch (e) {
    log.error(formatError(errorMessage, e));
    return errorVal;
  }
}
