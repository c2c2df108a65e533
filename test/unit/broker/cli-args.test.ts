import { describe, expect, it } from "vitest";
import { flag, numberFlag, parseArgs, UsageError } from "../../../broker/src/cli/args.ts";
import { buildAdminRequest, parseAllowlistFlag } from "../../../broker/src/cli/admin.ts";
import type { CliIo } from "../../../broker/src/cli/io.ts";
import { describeConnectError } from "../../../broker/src/cli/socket-client.ts";

describe("parseArgs", () => {
  const spec = { values: ["name", "peer-uid"], repeat: ["peer-uid"], booleans: ["json"] };
  it("reads --flag value, --flag=value, repeats, booleans and positionals", () => {
    const a = parseArgs(["register", "--name", "p", "--peer-uid=1", "--peer-uid", "2", "--json", "--", "--not-a-flag"], spec);
    expect(a.positionals).toEqual(["register", "--not-a-flag"]);
    expect(flag(a, "name")).toBe("p");
    expect(a.values.get("peer-uid")).toEqual(["1", "2"]);
    expect(a.booleans.has("json")).toBe(true);
  });
  it.each([
    [["--bogus"], "unknown option --bogus"],
    [["--name"], "--name needs a value"],
    [["--name", "a", "--name", "b"], "--name given twice"],
    [["--json=1"], "--json takes no value"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgs(argv, spec)).toThrow(new UsageError(message));
  });
  it("parses numbers with bounds", () => {
    const a = parseArgs(["--name", "3"], spec);
    expect(numberFlag(a, "name", 1, { integer: true, min: 1 })).toBe(3);
    expect(numberFlag(a, "peer-uid", 9)).toBe(9);
    expect(() => numberFlag(parseArgs(["--name", "x"], spec), "name", 1)).toThrow("--name must be a number ≥ 0, got \"x\"");
  });
});

describe("describeConnectError", () => {
  it("tells apart a stopped broker from a permission problem", () => {
    const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
    expect(describeConnectError("/run/remo-broker/admin.sock", err("ENOENT")).kind).toBe("not_running");
    expect(describeConnectError("/s", err("ECONNREFUSED")).kind).toBe("not_running");
    expect(describeConnectError("/s", err("EACCES")).message).toContain("Run this command as root");
    expect(describeConnectError("/s", err("EPIPE")).kind).toBe("io_error");
  });
});

describe("--allowlist", () => {
  const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: () => Promise.resolve(Buffer.alloc(0)), stdinIsTty: () => false, env: {} };
  const spec = { values: ["name", "project-path", "allowlist"] };
  it("parses comma-separated names; an empty value approves none", () => {
    expect(parseAllowlistFlag("A, B_2,C")).toEqual(["A", "B_2", "C"]);
    expect(parseAllowlistFlag("")).toEqual([]);
  });
  it.each([
    ["A,bad-name", "--allowlist names must each be 1 to 128 of A-Z a-z 0-9 _ (comma-separated), got \"bad-name\""],
    ["A,A", "--allowlist lists \"A\" twice"],
  ])("refuses %j", (raw, message) => {
    expect(() => parseAllowlistFlag(raw)).toThrow(new UsageError(message));
  });
  it("puts it on register and reload requests, and leaves it out when not given", async () => {
    expect(await buildAdminRequest("register", parseArgs(["--name", "p", "--project-path", "/p", "--allowlist", "A,B"], spec), io))
      .toEqual({ op: "register", name: "p", project_path: "/p", allowlist: ["A", "B"] });
    expect(await buildAdminRequest("reload", parseArgs(["--name", "p", "--allowlist="], spec), io)).toEqual({ op: "reload", name: "p", allowlist: [] });
    expect(await buildAdminRequest("reload", parseArgs(["--name", "p"], spec), io)).toEqual({ op: "reload", name: "p" });
  });
});
