import { describe, expect, it } from "vitest";
import { parseArgs } from "../../../devcontainer-feature/client/src/args.ts";
import { isClientError } from "../../../devcontainer-feature/client/src/client-error.ts";

const noFlags = { socket: undefined, json: false, noRetry: false };

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    if (isClientError(e, "usage")) return e.message;
    throw e;
  }
  throw new Error(`no usage error for ${JSON.stringify(argv)}`);
}

describe("parseArgs", () => {
  it("parses every command of docs/architecture.md#command-lines", () => {
    expect(parseArgs(["ping"])).toEqual({ flags: noFlags, command: { kind: "ping" } });
    expect(parseArgs(["info"]).command).toEqual({ kind: "info" });
    expect(parseArgs(["get", "X"]).command).toEqual({ kind: "get", name: "X" });
    expect(parseArgs(["env"]).command).toEqual({ kind: "env", names: [], skipUnavailable: false });
    expect(parseArgs(["env", "A", "B"]).command).toEqual({ kind: "env", names: ["A", "B"], skipUnavailable: false });
    expect(parseArgs(["env", "--skip-unavailable", "A"]).command).toEqual({ kind: "env", names: ["A"], skipUnavailable: true });
    expect(parseArgs(["exec", "--", "make", "-j2"]).command).toEqual({ kind: "exec", only: [], mask: false, command: ["make", "-j2"] });
    expect(parseArgs(["git-credential", "get"]).command).toEqual({ kind: "git-credential", action: "get" });
    expect(parseArgs(["status"]).command).toEqual({ kind: "status", brief: false });
    expect(parseArgs(["status", "--brief"]).command).toEqual({ kind: "status", brief: true });
    expect(parseArgs(["--version"]).command).toEqual({ kind: "version" });
    expect(parseArgs(["-h"]).command).toEqual({ kind: "help" });
  });

  it("takes global flags before or after the command", () => {
    expect(parseArgs(["--socket", "/s", "--json", "get", "X"]).flags).toEqual({ socket: "/s", json: true, noRetry: false });
    expect(parseArgs(["get", "X", "--json", "--socket=/t", "--no-retry"]).flags).toEqual({ socket: "/t", json: true, noRetry: true });
  });

  it("parses exec options, and leaves everything after -- to the command", () => {
    expect(parseArgs(["exec", "--only", "A,B", "--only=C", "--mask", "--", "sh", "-c", "--json"])).toEqual({
      flags: noFlags,
      command: { kind: "exec", only: ["A", "B", "C"], mask: true, command: ["sh", "-c", "--json"] },
    });
    expect(parseArgs(["exec", "env"]).command).toEqual({ kind: "exec", only: [], mask: false, command: ["env"] });
  });

  it("rejects bad input with a usage message that points to --help", () => {
    expect(usageError([])).toBe("no command given: run 'remo-secrets --help' for usage");
    expect(usageError(["frobnicate"])).toBe("unknown command \"frobnicate\": run 'remo-secrets --help' for usage");
    expect(usageError(["--frob"])).toBe("unknown option --frob: run 'remo-secrets --help' for usage");
    expect(usageError(["get"])).toBe("get takes exactly one secret name: run 'remo-secrets --help' for usage");
    expect(usageError(["get", "A", "B"])).toBe("get takes exactly one secret name: run 'remo-secrets --help' for usage");
    expect(usageError(["ping", "extra"])).toBe("ping takes no arguments: run 'remo-secrets --help' for usage");
    expect(usageError(["env", "--all"])).toBe("unknown option --all for env: run 'remo-secrets --help' for usage");
    expect(usageError(["exec"])).toBe("exec needs a command: remo-secrets exec -- CMD [ARGS...]: run 'remo-secrets --help' for usage");
    expect(usageError(["exec", "--only"])).toBe("--only needs a comma-separated list of secret names: run 'remo-secrets --help' for usage");
    expect(usageError(["exec", "--bogus", "--", "x"])).toBe("unknown option --bogus for exec (put the command after --): run 'remo-secrets --help' for usage");
    expect(usageError(["--socket"])).toBe("--socket needs a path: run 'remo-secrets --help' for usage");
    expect(usageError(["status", "--long"])).toBe("status takes only --brief, not --long: run 'remo-secrets --help' for usage");
    expect(usageError(["git-credential", "get", "more"])).toBe("git-credential takes one action: get, store or erase: run 'remo-secrets --help' for usage");
  });
});
