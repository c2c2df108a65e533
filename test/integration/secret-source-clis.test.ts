// The secret-source presets against real processes: fake `op`, `gh`, `vault`, `sops`, `pass`,
// `doppler` and `fnox` executables on PATH (test doubles of the external CLIs) that record their
// argv and print a sentinel, run through the extension's real execFile runner.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecFileRunner } from "../../extension/src/run-program.ts";
import { maxSourceOutputBytes, parseSecretSources, resolveSecretSource, SecretSourceError } from "../../extension/src/secrets/secret-sources.ts";
import { makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

const tools = ["op", "gh", "vault", "sops", "pass", "doppler", "fnox"] as const;

describe("secret-source presets with real processes", () => {
  const tmp = makeTempDir("remo-sources-");
  const bin = join(tmp.path, "bin");
  const argvLog = join(tmp.path, "argv");
  const pwned = join(tmp.path, "pwned");
  const secret = makeSentinel();

  beforeAll(() => {
    // Each fake writes its argv (NUL-separated) and behaves as FAKE_MODE says.
    const script = `#!/bin/sh
for a in "$@"; do printf '%s\\0' "$a"; done > "$ARGV_LOG"
case "$FAKE_MODE" in
  ok) printf '%s\\n' "$FAKE_VALUE" ;;
  pass) printf '%s\\nlogin: me\\nurl: x\\n' "$FAKE_VALUE" ;;
  fail) printf '%s' "$FAKE_VALUE"; printf '[ERROR] 2026/12/01 "%s" isn'"'"'t an item. %s\\n' "$FAKE_VALUE" "$FAKE_VALUE" >&2; exit 3 ;;
  hang) exec sleep 30 ;;
  hang-child) sleep 86399; echo never ;;
  prompt) read -r answer; printf '%s\n' "$answer" ;;
  flood) head -c 200000 /dev/zero | tr '\\0' x ;;
  empty) printf '\\n' ;;
esac
`;
    mkdirSync(bin);
    for (const t of tools) {
      writeFileSync(join(bin, t), script);
      chmodSync(join(bin, t), 0o755);
    }
  });
  afterAll(() => { tmp.cleanup(); });

  function env(mode: string, withFakes = true): NodeJS.ProcessEnv {
    // PATH keeps /usr/bin for sh, sleep, head, tr; the fakes come first.
    return { PATH: `${withFakes ? `${bin}:` : ""}/usr/bin:/bin`, ARGV_LOG: argvLog, FAKE_MODE: mode, FAKE_VALUE: secret, PWNED: pwned };
  }

  async function resolve(entry: unknown, mode: string, opts: { withFakes?: boolean; timeoutMs?: number } = {}): Promise<string> {
    const { sources, problems } = parseSecretSources({ TOKEN: entry });
    expect(problems).toEqual([]);
    const source = sources.get("TOKEN");
    if (source === undefined) throw new Error("no source parsed");
    return await resolveSecretSource("TOKEN", source, { env: {}, run: createExecFileRunner({ env: env(mode, opts.withFakes), maxOutputBytes: maxSourceOutputBytes }), timeoutMs: opts.timeoutMs ?? 10_000 });
  }

  function loggedArgv(): string[] {
    return readFileSync(argvLog, "utf8").split("\0").slice(0, -1);
  }

  const cases: [unknown, string[]][] = [
    [{ preset: "1password", reference: "op://Private/GitHub/token" }, ["read", "--no-newline", "op://Private/GitHub/token"]],
    [{ preset: "gh", reference: "github.example.com" }, ["auth", "token", "--hostname", "github.example.com"]],
    [{ preset: "vault", reference: "secret/myapp#token" }, ["kv", "get", "-field=token", "secret/myapp"]],
    [{ preset: "sops", reference: "/home/me/s.enc.yaml#github.token" }, ["--decrypt", "--extract", "[\"github\"][\"token\"]", "/home/me/s.enc.yaml"]],
    [{ preset: "doppler", reference: "web/dev/NPM_TOKEN" }, ["secrets", "get", "NPM_TOKEN", "--plain", "--project", "web", "--config", "dev"]],
    [{ preset: "fnox", reference: "GITHUB_TOKEN" }, ["get", "GITHUB_TOKEN"]],
  ];
  it.each(cases)("runs %j with exactly the expected argv and returns its output", async (entry, argv) => {
    await expect(resolve(entry, "ok")).resolves.toBe(secret);
    expect(loggedArgv()).toEqual(argv);
  });

  it("takes only the first line from pass (the rest is metadata)", async () => {
    await expect(resolve({ preset: "pass", reference: "work/github" }, "pass")).resolves.toBe(secret);
    expect(loggedArgv()).toEqual(["show", "work/github"]);
  });

  it("hands a reference full of shell syntax to the tool as one argument, never to a shell", async () => {
    // $PWNED is set in the fake's environment: any shell that saw this would create the file.
    const ref = "op://Private/x'; touch $PWNED; echo \"$(touch $PWNED)\" `touch $PWNED` | tee $PWNED/field";
    await expect(resolve({ preset: "1password", reference: ref }, "ok")).resolves.toBe(secret);
    expect(loggedArgv()).toEqual(["read", "--no-newline", ref]);
    expect(existsSync(pwned)).toBe(false);
  });

  it("says which tool is missing, how to install it and which setting to fix", async () => {
    const e = await failure(resolve({ preset: "1password", reference: "op://P/I/f" }, "ok", { withFakes: false }));
    expect(e.code).toBe("command_failed");
    expect(e.message).toBe("TOKEN comes from 1Password (\"op\"), which was not found on the PATH: install the 1Password CLI (https://developer.1password.com/docs/cli/get-started/) and sign in with `op signin`, or fix remo.secretSources.TOKEN in your user settings.");
  });

  it("reports a non-zero exit with the tool's own complaint, the value cut out", async () => {
    const e = await failure(resolve({ preset: "vault", reference: "secret/app#f" }, "fail"));
    expect(e.message).toBe("TOKEN comes from HashiCorp Vault (\"vault\"), which exited with status 3 (it said: [ERROR] 2026/12/01 \"[redacted]\" isn't an item. [redacted]). Run it in a terminal to check it, or fix remo.secretSources.TOKEN in your user settings.");
    expect(e.message).not.toContain(secret);
  });

  it("stops a command that does not finish within the timeout", async () => {
    const e = await failure(resolve({ preset: "gh" }, "hang", { timeoutMs: 300 }));
    expect(e.message).toBe("TOKEN comes from GitHub CLI (\"gh\"), which did not finish within 300 ms. Run it in a terminal to check it, or fix remo.secretSources.TOKEN in your user settings.");
  });

  it("kills what the tool started too when it times out (pass runs gpg), so the pipe cannot keep it waiting", async () => {
    const e = await failure(resolve({ preset: "pass", reference: "work/x" }, "hang-child", { timeoutMs: 300 }));
    expect(e.message).toContain("did not finish within 300 ms");
    const left = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, "latin1") === "sleep\u000086399\u0000"; } catch { return false; }
    });
    expect(left).toEqual([]);
  });

  it("gives the tool no stdin, so one that prompts fails instead of waiting", async () => {
    const e = await failure(resolve({ preset: "1password", reference: "op://P/I/f" }, "prompt"));
    expect(e.code).toBe("empty_output");
  });

  it("refuses output larger than 64 KiB", async () => {
    const e = await failure(resolve({ preset: "fnox", reference: "X" }, "flood"));
    expect(e.message).toContain("which printed more than 64 KiB, which is not a secret value");
  });

  it("refuses empty output", async () => {
    const e = await failure(resolve({ preset: "doppler", reference: "X" }, "empty"));
    expect(e.code).toBe("empty_output");
  });
});

async function failure(p: Promise<string>): Promise<SecretSourceError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(SecretSourceError);
  return e as SecretSourceError;
}
