import { describe, expect, it } from "vitest";
import { expandSshPath, listSshHosts, resolveSshHost } from "../../../extension/src/node/ssh-config.ts";

const config = `
# global defaults come first
IdentityFile ~/.ssh/id_global

Host devbox devbox-alt
  HostName 10.1.2.3
  User alice
  Port 2222
  IdentityFile ~/.ssh/id_devbox
  ProxyJump bastion

Host *.internal !secret.internal
  User=ops
  IdentityFile "/keys/internal key"

Host bastion
  HostName bastion.example.test
  Port 22

Host %h-tpl
  HostName %h.example.test

Match host devbox
  User mallory

Host *
  User fallback
  Port 2200
  ProxyJump none
`;

describe("resolveSshHost", () => {
  it("takes the first value of each keyword and collects identity files in order", () => {
    expect(resolveSshHost("devbox", config)).toEqual({ host: "10.1.2.3", port: 2222, user: "alice", identityFiles: ["~/.ssh/id_global", "~/.ssh/id_devbox"], proxyJump: "bastion" });
  });

  it("matches wildcards, honours negation, and applies Host * last", () => {
    expect(resolveSshHost("db.internal", config)).toEqual({ host: "db.internal", port: 2200, user: "ops", identityFiles: ["~/.ssh/id_global", "/keys/internal key"] });
    expect(resolveSshHost("secret.internal", config)).toEqual({ host: "secret.internal", port: 2200, user: "fallback", identityFiles: ["~/.ssh/id_global"] });
  });

  it("uses the alias itself without a config", () => {
    expect(resolveSshHost("node1", undefined)).toEqual({ host: "node1", identityFiles: [] });
  });

  it("ignores Match blocks instead of guessing", () => {
    expect(resolveSshHost("devbox", config).user).toBe("alice");
  });
});

describe("listSshHosts and expandSshPath", () => {
  it("lists concrete aliases only", () => {
    expect(listSshHosts(config)).toEqual(["devbox", "devbox-alt", "bastion", "%h-tpl"]);
  });

  it("expands ~ and % tokens", () => {
    expect(expandSshPath("~/.ssh/id_%h_%r%%", { home: "/home/a", localUser: "a", host: "n", remoteUser: "root" })).toBe("/home/a/.ssh/id_n_root%");
  });
});
