import { describe, expect, it } from "vitest";
import { isClientError } from "../../../devcontainer-feature/client/src/client-error.ts";
import { parseCredentialInput, parseHostMap, resolveHost } from "../../../devcontainer-feature/client/src/git-credential.ts";

const noGitConfig = (): undefined => undefined;

describe("parseCredentialInput", () => {
  it("reads key=value lines up to the blank line", () => {
    expect(parseCredentialInput("protocol=https\nhost=github.com\npath=a=b\n\nignored=1\n")).toEqual(new Map([["protocol", "https"], ["host", "github.com"], ["path", "a=b"]]));
  });

  it("tolerates CRLF and a missing final newline", () => {
    expect(parseCredentialInput("host=x\r\nprotocol=https")).toEqual(new Map([["host", "x"], ["protocol", "https"]]));
  });
});

describe("parseHostMap", () => {
  it("reads host=SECRET[:username] entries", () => {
    expect(parseHostMap("GitHub.com=GH, gitlab.example.com:8443=GL:oauth2")).toEqual(new Map([
      ["github.com", { secret: "GH" }],
      ["gitlab.example.com:8443", { secret: "GL", username: "oauth2" }],
    ]));
    expect(parseHostMap("")).toEqual(new Map());
  });

  it("rejects a malformed entry instead of silently sending no token", () => {
    expect(() => parseHostMap("github.com")).toThrow(/REMO_GIT_CREDENTIALS entry "github.com" is not host=SECRET_NAME\[:username\]/);
    expect(() => parseHostMap("github.com=bad-name")).toThrow(/is not host=SECRET_NAME/);
  });
});

describe("resolveHost", () => {
  it("maps github.com to GITHUB_TOKEN by default, and nothing else", async () => {
    expect(await resolveHost("github.com", {}, noGitConfig)).toEqual({ secret: "GITHUB_TOKEN", username: "x-access-token" });
    expect(await resolveHost("example.org", {}, noGitConfig)).toBeNull();
  });

  it("prefers REMO_GIT_CREDENTIALS, then git config, then the default", async () => {
    const git = (key: string): string | undefined => ({ "remo.credential.github.com.secret": "FROM_GIT", "remo.credential.github.com.username": "gituser" } as Record<string, string>)[key];
    expect(await resolveHost("github.com", { REMO_GIT_CREDENTIALS: "github.com=FROM_ENV" }, git)).toEqual({ secret: "FROM_ENV", username: "x-access-token" });
    expect(await resolveHost("github.com", {}, git)).toEqual({ secret: "FROM_GIT", username: "gituser" });
  });

  it("rejects a git config value that is not a secret name", async () => {
    const error: unknown = await resolveHost("github.com", {}, () => "not a name").catch((e: unknown) => e);
    expect(isClientError(error, "usage")).toBe(true);
  });

  it("never asks git config about a host with odd characters", async () => {
    const asked: string[] = [];
    expect(await resolveHost("evil host;rm", {}, (k) => { asked.push(k); return undefined; })).toBeNull();
    expect(asked).toEqual([]);
  });
});
