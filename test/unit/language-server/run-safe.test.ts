import { describe, expect, it } from "vitest";
import { CancellationTokenSource, LSPErrorCodes, ResponseError } from "vscode-languageserver";
import { runSafe, runSafeAsync } from "../../../language-server/src/run-safe.ts";

describe("runSafe", () => {
  it("returns the handler's result", async () => {
    const log: string[] = [];
    expect(await runSafe({ error: (m) => log.push(m) }, () => 42, 0, "computing x", new CancellationTokenSource().token)).toBe(42);
    expect(log).toEqual([]);
  });

  it("logs a throwing handler with context and answers the fallback", async () => {
    const log: string[] = [];
    expect(await runSafe({ error: (m) => log.push(m) }, () => { throw new Error("boom"); }, "fallback", "computing hover for file:///x", new CancellationTokenSource().token)).toBe("fallback");
    expect(log[0]).toMatch(/^computing hover for file:\/\/\/x: boom\n/);
  });

  it("answers RequestCancelled for a cancelled request without running it", async () => {
    const source = new CancellationTokenSource();
    source.cancel();
    let ran = false;
    const r = await runSafe({ error: () => undefined }, () => { ran = true; return 1; }, 0, "x", source.token);
    expect(r).toBeInstanceOf(ResponseError);
    expect((r as ResponseError<unknown>).code).toBe(LSPErrorCodes.RequestCancelled);
    expect(ran).toBe(false);
  });

  it("does the same for async handlers", async () => {
    const log: string[] = [];
    expect(await runSafeAsync({ error: (m) => log.push(m) }, () => Promise.reject(new Error("late")), [], "completion", new CancellationTokenSource().token)).toEqual([]);
    expect(log[0]).toMatch(/^completion: late/);
  });
});
