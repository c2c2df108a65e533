import { describe, expect, it } from "vitest";
import { checkProjectPath, defaultProjectPath, parseHostSpec } from "../../../extension/src/node/host-spec.ts";

describe("parseHostSpec", () => {
  it("accepts an alias, user@host and host:port", () => {
    expect(parseHostSpec("devbox")).toEqual({ alias: "devbox" });
    expect(parseHostSpec(" alice@10.0.0.5:2222 ")).toEqual({ alias: "10.0.0.5", user: "alice", port: 2222 });
    expect(parseHostSpec("bob@[fe80::1]:22")).toEqual({ alias: "fe80::1", user: "bob", port: 22 });
  });

  it("explains what to type instead of junk, a shell string or a bad port", () => {
    for (const bad of ["", "a b", "host;rm -rf /", "-oProxyCommand=x", "-oProxyCommand", "-l@host", "@host"]) {
      expect(parseHostSpec(bad)).toEqual({ error: "Type an ssh config alias or user@host[:port], e.g. devbox or alice@10.0.0.5:2222." });
    }
    expect(parseHostSpec("h:0")).toEqual({ error: "Port 0 is out of range (1-65535)." });
    expect(parseHostSpec("h:70000")).toEqual({ error: "Port 70000 is out of range (1-65535)." });
  });
});

describe("project paths on the node", () => {
  it("defaults under the login user's home", () => {
    expect(defaultProjectPath("root", "app")).toBe("/root/app");
    expect(defaultProjectPath("alice", "app")).toBe("/home/alice/app");
  });

  it("wants an absolute path without ..", () => {
    expect(checkProjectPath("/srv/app")).toBeUndefined();
    expect(checkProjectPath("srv/app")).toMatch(/absolute path/);
    expect(checkProjectPath("/srv/../etc")).toMatch(/without/);
    expect(checkProjectPath("/srv/a\nb")).toMatch(/control character/);
  });
});
