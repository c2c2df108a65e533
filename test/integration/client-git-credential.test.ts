import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { runProcess } from "../helpers/run-process.ts";
import { findLeaks, makeSentinel, readTree } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { clientBin, runClient } from "./client-helpers.ts";

// Real git speaking the credential helper protocol to the client, which asks the real broker.
const ghToken = makeSentinel("GH");
const glToken = makeSentinel("GL");
const home = makeTempDir("remo-git-home-");
const gitConfig = join(home.path, "gitconfig");
let broker: BrokerHandle;
let socket: string;
const stderrs: string[] = [];

interface GitRun { code: number | null; stdout: string; stderr: string }

/** `git <args>` with only our temp config, no terminal prompts, the given stdin. */
async function git(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<GitRun> {
  // runProcess ignores a closed stdin: git may exit before reading its input (git config).
  const { code, stdout, stderr } = await runProcess("git", args, {
    cwd: home.path,
    env: {
      PATH: process.env.PATH, HOME: home.path, GIT_CONFIG_GLOBAL: gitConfig, GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", SSH_ASKPASS: "", REMO_BROKER_SOCKET: socket, ...env,
    },
    input,
  });
  stderrs.push(stderr);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  broker = await startBroker();
  socket = (await broker.registerProject("gitproj", { allowlist: ["GITHUB_TOKEN", "GITLAB_TOKEN", "NOT_PUSHED"] })).socketPath;
  await broker.pushSecrets({ GITHUB_TOKEN: ghToken, GITLAB_TOKEN: glToken });
  // What install.sh writes into the system gitconfig, here in a private global config.
  writeFileSync(gitConfig, `[credential]\n\thelper = "!'${process.execPath}' '${clientBin}' git-credential"\n`);
});

afterAll(async () => {
  await broker.stop();
  const sources: Record<string, string> = { audit: readFileSync(broker.auditFile, "utf8"), broker: broker.output(), ...readTree(home.path) };
  for (const [i, s] of stderrs.entries()) sources[`git ${i} stderr`] = s;
  rmSync(broker.dir, { recursive: true, force: true });
  const leaks = [...findLeaks(ghToken, sources), ...findLeaks(glToken, sources)];
  home.cleanup();
  // Nothing on disk (git must not have stored the token), nothing in stderr or the audit.
  expect(leaks).toEqual([]);
});

describe("remo-secrets git-credential with real git", () => {
  it("git credential fill gets the GitHub token for github.com by default", async () => {
    const r = await git(["credential", "fill"], "protocol=https\nhost=github.com\n\n");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(`protocol=https\nhost=github.com\nusername=x-access-token\npassword=${ghToken}\n`);
  });

  it("keeps the username git already has", async () => {
    const r = await git(["credential", "fill"], "protocol=https\nhost=github.com\nusername=octocat\n\n");
    expect(r.stdout).toBe(`protocol=https\nhost=github.com\nusername=octocat\npassword=${ghToken}\n`);
  });

  it("maps another host with git config remo.credential.<host>.secret", async () => {
    const set = await git(["config", "--global", "remo.credential.gitlab.example.com.secret", "GITLAB_TOKEN"], "");
    expect(set.code).toBe(0);
    await git(["config", "--global", "remo.credential.gitlab.example.com.username", "oauth2"], "");
    const r = await git(["credential", "fill"], "protocol=https\nhost=gitlab.example.com\n\n");
    expect(r.stdout).toBe(`protocol=https\nhost=gitlab.example.com\nusername=oauth2\npassword=${glToken}\n`);
  });

  it("maps hosts with REMO_GIT_CREDENTIALS, which wins over git config", async () => {
    const r = await git(["credential", "fill"], "protocol=https\nhost=gitlab.example.com\n\n", { REMO_GIT_CREDENTIALS: "gitlab.example.com=GITHUB_TOKEN:bot" });
    expect(r.stdout).toBe(`protocol=https\nhost=gitlab.example.com\nusername=bot\npassword=${ghToken}\n`);
  });

  it("answers nothing for an unmapped host, so git falls through (here: no prompt, failure)", async () => {
    const r = await git(["credential", "fill"], "protocol=https\nhost=unknown.example.org\n\n");
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("terminal prompts disabled");
  });

  it("never hands a token to plain http", async () => {
    const r = await git(["credential", "fill"], "protocol=http\nhost=github.com\n\n");
    expect(r.stdout).not.toContain("password=");
  });

  it("answers nothing when the request names no protocol (it could be plain http)", async () => {
    // git itself always sends protocol=; this is the helper spoken to directly by anything else.
    const bare = await runClient(["git-credential", "get"], { socket, input: "host=github.com\n\n" });
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe("");
    stderrs.push(bare.stderr);
    // The same request with the protocol line is answered: the refusal above is the protocol check.
    const https = await runClient(["git-credential", "get"], { socket, input: "protocol=https\nhost=github.com\n\n" });
    expect(https.stdout).toBe(`username=x-access-token\npassword=${ghToken}\n`);
  });

  it("store and erase succeed and store nothing", async () => {
    const store = await git(["credential", "approve"], `protocol=https\nhost=github.com\nusername=x-access-token\npassword=${ghToken}\n\n`);
    expect(store.code).toBe(0);
    const erase = await git(["credential", "reject"], "protocol=https\nhost=github.com\n\n");
    expect(erase.code).toBe(0);
  });

  it("reports a secret that was never pushed on stderr, and git goes on without it", async () => {
    const r = await git(["credential", "fill"], "protocol=https\nhost=github.com\n\n", { REMO_GIT_CREDENTIALS: "github.com=NOT_PUSHED" });
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("remo-secrets: no value for \"NOT_PUSHED\" has been pushed yet: run 'Remo: Push Secrets' in VS Code on your laptop");
  });

  it("rejects a malformed REMO_GIT_CREDENTIALS with a usage message", async () => {
    const r = await git(["credential", "fill"], "protocol=https\nhost=github.com\n\n", { REMO_GIT_CREDENTIALS: "github.com" });
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("REMO_GIT_CREDENTIALS entry \"github.com\" is not host=SECRET_NAME[:username]");
  });
});
