import { describe, expect, it } from "vitest";
import type { RunCommand } from "../../../extension/src/run-program.ts";
import { parseSecretSources, resolveSecretSource, SecretSourceError } from "../../../extension/src/secrets/secret-sources.ts";
import { makeSentinel } from "../../helpers/sentinel.ts";

describe("parseSecretSources", () => {
  it("reads env and command entries", () => {
    const r = parseSecretSources({ GH: { env: " GH_TOKEN " }, NPM_TOKEN: { command: ["gh", "auth", "token"] } });
    expect(r.problems).toEqual([]);
    expect([...r.sources]).toEqual([
      ["GH", { kind: "env", variable: "GH_TOKEN" }],
      ["NPM_TOKEN", { kind: "command", argv: ["gh", "auth", "token"] }],
    ]);
  });

  it("skips bad entries with a sentence that says how to fix each", () => {
    const r = parseSecretSources({ "bad-name": { env: "X" }, "A": { env: "" }, "B": { command: [] }, "C": { command: "gh auth token" }, "D": { env: "X", command: ["y"] }, "E": "X" });
    expect(r.sources.size).toBe(0);
    expect(r.problems).toHaveLength(6);
    expect(r.problems[0]).toContain("\"bad-name\" is not a valid secret name");
    expect(r.problems[1]).toBe("remo.secretSources.A: use { \"preset\": \"1password\", \"reference\": \"op://…\" }, { \"env\": \"VAR\" } or { \"command\": [\"program\", \"arg\", …] } (a non-empty argv list; it runs without a shell).");
  });

  it("treats an unset setting as empty and a non-object as one problem", () => {
    expect(parseSecretSources(undefined)).toEqual({ sources: new Map(), problems: [] });
    expect(parseSecretSources(["x"]).problems).toHaveLength(1);
  });
});

describe("resolveSecretSource", () => {
  const never: RunCommand = () => Promise.reject(new Error("must not run"));

  it("reads an environment variable", async () => {
    await expect(resolveSecretSource("A", { kind: "env", variable: "V" }, { env: { V: "val" }, run: never, timeoutMs: 100 })).resolves.toBe("val");
  });

  it("says how to fix an unset variable", async () => {
    const e = await resolveSecretSource("A", { kind: "env", variable: "V" }, { env: {}, run: never, timeoutMs: 100 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SecretSourceError);
    expect((e as SecretSourceError).code).toBe("env_unset");
    expect((e as Error).message).toContain("environment variable V, which is not set");
  });

  it("runs the command without a shell, with the timeout, and trims its output", async () => {
    const calls: unknown[] = [];
    const run: RunCommand = (program, args, opts) => { calls.push([program, args, opts]); return Promise.resolve({ stdout: "  tok\n" }); };
    await expect(resolveSecretSource("A", { kind: "command", argv: ["gh", "auth", "token"] }, { env: {}, run, timeoutMs: 1234 })).resolves.toBe("tok");
    expect(calls).toEqual([["gh", ["auth", "token"], { timeoutMs: 1234 }]]);
  });

  it("never puts the command's output in the error, whatever the failure", async () => {
    const secret = makeSentinel();
    const failures = [
      Object.assign(new Error(`Command failed: gh\n${secret}`), { code: 1, stderr: secret, stdout: secret }),
      Object.assign(new Error("spawn gh ENOENT"), { code: "ENOENT" }),
      Object.assign(new Error(`killed ${secret}`), { killed: true, signal: "SIGTERM" }),
    ];
    const reasons = [];
    for (const f of failures) {
      const e = await failure(resolveSecretSource("A", { kind: "command", argv: ["gh"] }, { env: {}, run: () => Promise.reject(f), timeoutMs: 50 }));
      expect(e.code).toBe("command_failed");
      expect(e.message).not.toContain(secret);
      reasons.push(e.message);
    }
    expect(reasons[0]).toContain("exited with status 1");
    expect(reasons[1]).toContain("was not found on the PATH");
    expect(reasons[2]).toContain("did not finish within 50 ms");
  });

  it("refuses empty output", async () => {
    const e = await failure(resolveSecretSource("A", { kind: "command", argv: ["p"] }, { env: {}, run: () => Promise.resolve({ stdout: " \n" }), timeoutMs: 50 }));
    expect(e.code).toBe("empty_output");
  });
});

/** The SecretSourceError a resolution rejects with (fails the test when it resolves). */
async function failure(p: Promise<string>): Promise<SecretSourceError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(SecretSourceError);
  return e as SecretSourceError;
}
