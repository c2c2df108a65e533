import { describe, expect, it } from "vitest";
import { hexJson, parseSshRemoteHost, windowNodeFromAuthority, windowNodeFromUri, type WindowLocation } from "../../../extension/src/node/remote-authority.ts";

// Authority strings in the shapes Remote-SSH and Dev Containers write (seen in their logs and
// issue reports on microsoft/vscode-remote-release); hex payloads are spelled out where a real
// one was seen so the table does not only test the codec against itself.
const realSshHex = "7b22686f73744e616d65223a2248697376706e2e6f7267227d"; // {"hostName":"Hisvpn.org"}
const realSshHexWithBadUser = "7b22686f73744e616d65223a223139322e3136382e362e3739222c2275736572223a22737368207562756e747532323034227d"; // {"hostName":"192.168.6.79","user":"ssh ubuntu2204"}
// {"hostPath":"/Users/chrmarti/Development/repos/smktst","localDocker":false,"settings":{"context":"desktop-linux"},"configFile":{…}}
const realDevContainerDesktop = "7b22686f737450617468223a222f55736572732f6368726d617274692f446576656c6f706d656e742f7265706f732f736d6b747374222c226c6f63616c446f636b6572223a66616c73652c2273657474696e6773223a7b22636f6e74657874223a226465736b746f702d6c696e7578227d2c22636f6e66696746696c65223a7b22246d6964223a312c22667350617468223a222f55736572732f6368726d617274692f446576656c6f706d656e742f7265706f732f736d6b7473742f2e646576636f6e7461696e65722f646576636f6e7461696e65722e6a736f6e222c2270617468223a222f55736572732f6368726d617274692f446576656c6f706d656e742f7265706f732f736d6b7473742f2e646576636f6e7461696e65722f646576636f6e7461696e65722e6a736f6e222c22736368656d65223a2266696c65227d7d";
// {"hostPath":"/home/giodisiena.guest/work/deposit-wallet","settings":{"host":"unix:///run/user/501/docker.sock"}}
const realDevContainerUnixHost = "7b22686f737450617468223a222f686f6d652f67696f64697369656e612e67756573742f776f726b2f6465706f7369742d77616c6c6574222c2273657474696e6773223a7b22686f7374223a22756e69783a2f2f2f72756e2f757365722f3530312f646f636b65722e736f636b227d7d";
const realAttached = "7b22636f6e7461696e65724e616d65223a222f74657374227d"; // {"containerName":"/test"}

const dc = (v: unknown): string => `dev-container+${hexJson(v)}`;
const node = (via: string, alias: string, extra: Record<string, unknown> = {}): WindowLocation => ({ kind: "node", via, host: { alias, ...extra.host as object }, ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "host")) } as WindowLocation);

const table: { what: string; authority: string; path: string; want: WindowLocation | { kind: "none"; reason: string } }[] = [
  { what: "Remote-SSH plain alias", authority: "ssh-remote+devbox", path: "/home/alice/myrepo", want: node("ssh-remote", "devbox", { projectPath: "/home/alice/myrepo" }) },
  { what: "Remote-SSH user@host", authority: "ssh-remote+build@10.0.0.5", path: "/srv/app", want: node("ssh-remote", "10.0.0.5", { host: { user: "build" }, projectPath: "/srv/app" }) },
  { what: "Remote-SSH host:port", authority: "ssh-remote+alice@devbox.lan:2222", path: "/p", want: node("ssh-remote", "devbox.lan", { host: { user: "alice", port: 2222 }, projectPath: "/p" }) },
  { what: "Remote-SSH hex JSON (real)", authority: `ssh-remote+${realSshHex}`, path: "/root/x", want: node("ssh-remote", "Hisvpn.org", { projectPath: "/root/x" }) },
  { what: "Remote-SSH hex JSON with user and port", authority: `ssh-remote+${hexJson({ hostName: "192.168.10.132", user: "user", port: 2200 })}`, path: "/home/user/p", want: node("ssh-remote", "192.168.10.132", { host: { user: "user", port: 2200 }, projectPath: "/home/user/p" }) },
  { what: "Remote-SSH hex JSON, uppercase hex", authority: `ssh-remote+${hexJson({ hostName: "devbox" }).toUpperCase()}`, path: "/p", want: node("ssh-remote", "devbox", { projectPath: "/p" }) },
  { what: "Remote-SSH hex JSON with a user that is not one (real)", authority: `ssh-remote+${realSshHexWithBadUser}`, path: "/p", want: { kind: "none", reason: "invalid" } },
  { what: "Remote-SSH host that looks like an option", authority: "ssh-remote+-oProxyCommand=sh", path: "/p", want: { kind: "none", reason: "invalid" } },
  { what: "Remote-SSH, mixed-case remote name", authority: "SSH-REMOTE+devbox", path: "/p", want: node("ssh-remote", "devbox", { projectPath: "/p" }) },
  { what: "Remote-SSH IPv6", authority: "ssh-remote+[fe80::1]:22", path: "/p", want: node("ssh-remote", "fe80::1", { host: { port: 22 }, projectPath: "/p" }) },
  { what: "Remote-SSH empty host", authority: "ssh-remote+", path: "/p", want: { kind: "none", reason: "invalid" } },
  { what: "dev container on a Remote-SSH host (alias)", authority: `${dc({ hostPath: "/home/alice/myrepo", configFile: { path: "/home/alice/myrepo/.devcontainer/devcontainer.json", scheme: "vscode-fileHost" } })}@ssh-remote+devbox`, path: "/workspaces/myrepo", want: node("dev-container", "devbox", { projectPath: "/home/alice/myrepo" }) },
  { what: "dev container on a Remote-SSH host (hex JSON host)", authority: `${dc({ hostPath: "/srv/coder/smoke-test", configFile: { path: "/srv/coder/smoke-test/.devcontainer/dev/devcontainer.json" } })}@ssh-remote+${hexJson({ hostName: "coder.dev" })}`, path: "/workspaces/smoke-test", want: node("dev-container", "coder.dev", { projectPath: "/srv/coder/smoke-test" }) },
  { what: "dev container on a Remote-SSH host with user@", authority: `${dc({ hostPath: "/home/bob/p" })}@ssh-remote+bob@box`, path: "/workspaces/p", want: node("dev-container", "box", { host: { user: "bob" }, projectPath: "/home/bob/p" }) },
  { what: "dev container on a Remote-SSH host, local socket docker host (real payload)", authority: `dev-container+${realDevContainerUnixHost}@ssh-remote+lima-client`, path: "/workspaces/deposit-wallet", want: node("dev-container", "lima-client", { projectPath: "/home/giodisiena.guest/work/deposit-wallet" }) },
  { what: "dev container on a Docker host over ssh://", authority: dc({ hostPath: "/home/alice/myrepo", localDocker: false, settings: { host: "ssh://alice@node1.lan:2201" } }), path: "/workspaces/myrepo", want: node("dev-container", "node1.lan", { host: { user: "alice", port: 2201 }, projectPath: "/home/alice/myrepo" }) },
  { what: "dev container on Docker Desktop (real)", authority: `dev-container+${realDevContainerDesktop}`, path: "/workspaces/smktst", want: { kind: "none", reason: "laptop-containers", message: expect.stringContaining("run on this computer") as unknown as string, projectPath: "/Users/chrmarti/Development/repos/smktst" } },
  { what: "dev container on a named Docker context", authority: dc({ hostPath: "/home/a/p", settings: { context: "prod-node" } }), path: "/workspaces/p", want: { kind: "none", reason: "unsupported", message: expect.stringContaining("docker context inspect prod-node") as unknown as string, projectPath: "/home/a/p" } },
  { what: "dev container, older hex-of-path format", authority: `dev-container+${Buffer.from("/home/alice/old").toString("hex")}@ssh-remote+devbox`, path: "/workspaces/old", want: node("dev-container", "devbox", { projectPath: "/home/alice/old" }) },
  { what: "dev container from WSL (Windows host path)", authority: dc({ hostPath: "\\\\wsl.localhost\\Ubuntu\\home\\me\\repo", localDocker: false }), path: "/workspaces/repo", want: { kind: "none", reason: "laptop-containers" } },
  { what: "dev container inside a WSL window", authority: `${dc({ hostPath: "/home/me/repo" })}@wsl+Ubuntu`, path: "/workspaces/repo", want: { kind: "none", reason: "unsupported", projectPath: "/home/me/repo" } },
  { what: "dev container inside a tunnel", authority: `${dc({ hostPath: "/home/me/repo" })}@tunnel+mybox`, path: "/workspaces/repo", want: { kind: "none", reason: "unsupported" } },
  { what: "dev container, not hex", authority: "dev-container+zz", path: "/", want: { kind: "none", reason: "invalid" } },
  { what: "dev container, hex but not JSON", authority: `dev-container+${Buffer.from("{nope").toString("hex")}`, path: "/", want: { kind: "none", reason: "invalid" } },
  { what: "dev container, bad ssh:// docker host", authority: dc({ hostPath: "/p", settings: { host: "ssh://-oProxyCommand=x" } }), path: "/", want: { kind: "none", reason: "invalid" } },
  { what: "dev container on a Remote-SSH host with a bad host", authority: `${dc({ hostPath: "/p" })}@ssh-remote+bad host`, path: "/", want: { kind: "none", reason: "invalid" } },
  { what: "attached container on the laptop (real)", authority: `attached-container+${realAttached}`, path: "/work", want: { kind: "none", reason: "laptop-containers" } },
  { what: "attached container on a Remote-SSH host", authority: `attached-container+${hexJson({ containerName: "/modest_herschel" })}@ssh-remote+devbox`, path: "/workspaces/repo", want: node("attached-container", "devbox", { containerName: "modest_herschel" }) },
  { what: "attached container on an ssh:// Docker host", authority: `attached-container+${hexJson({ containerName: "/n1", settings: { host: "ssh://root@10.1.2.3" } })}`, path: "/w", want: node("attached-container", "10.1.2.3", { host: { user: "root" }, containerName: "n1" }) },
  { what: "attached container by plain name on a Remote-SSH host", authority: "attached-container+test6@ssh-remote+owner@devbox.lan", path: "/app", want: node("attached-container", "devbox.lan", { host: { user: "owner" }, containerName: "test6" }) },
  { what: "WSL", authority: "wsl+Ubuntu-22.04", path: "/home/me/p", want: { kind: "none", reason: "unsupported" } },
  { what: "Codespaces", authority: "codespaces+fuzzy-space-waddle-1234", path: "/workspaces/p", want: { kind: "none", reason: "unsupported" } },
  { what: "Remote Tunnels", authority: "tunnel+mybox", path: "/home/me/p", want: { kind: "none", reason: "unsupported" } },
  { what: "Kubernetes", authority: `k8s-container+${hexJson({ podname: "p" })}`, path: "/", want: { kind: "none", reason: "unsupported" } },
  { what: "code-server (host:port, no remote name)", authority: "localhost:8080", path: "/home/coder/p", want: { kind: "none", reason: "unsupported" } },
  { what: "code-server on a LAN address", authority: "10.0.0.5:8443", path: "/p", want: { kind: "none", reason: "unsupported" } },
];

describe("windowNodeFromAuthority", () => {
  it.each(table)("$what", ({ authority, path, want }) => {
    const got = windowNodeFromAuthority(authority, path);
    expect(got).toMatchObject(want);
    if (want.kind === "node") expect(got).toEqual(want);
    if (got.kind === "none") expect(got.message).toMatch(/\.$/);
  });

  it("never echoes a long unreadable host whole into its message", () => {
    const got = windowNodeFromAuthority(`ssh-remote+${"x ".repeat(100)}`, "/p");
    expect(got).toMatchObject({ kind: "none", reason: "invalid" });
    expect(got.kind === "none" && got.message.length < 160).toBe(true);
  });
});

describe("windowNodeFromUri", () => {
  it("a file: folder is this computer", () => {
    expect(windowNodeFromUri({ scheme: "file", authority: "", path: "/home/me/p" })).toMatchObject({ kind: "none", reason: "local" });
  });

  it("a virtual file system's authority is never taken for a host", () => {
    expect(windowNodeFromUri({ scheme: "remo-test", authority: "ssh-remote+devbox", path: "/p" })).toMatchObject({ kind: "none", reason: "unsupported" });
  });

  it("a vscode-remote folder goes through the authority", () => {
    expect(windowNodeFromUri({ scheme: "vscode-remote", authority: "ssh-remote+devbox", path: "/home/a/p" })).toEqual({ kind: "node", via: "ssh-remote", host: { alias: "devbox" }, projectPath: "/home/a/p" });
  });
});

describe("parseSshRemoteHost", () => {
  it("keeps the last @ as the user separator", () => {
    expect(parseSshRemoteHost("a@b")).toEqual({ alias: "b", user: "a" });
  });

  it("rejects hex that is not JSON with a sentence", () => {
    expect(parseSshRemoteHost("7b7b")).toEqual({ error: "The Remote-SSH authority's host could not be decoded." });
  });

  it("rejects JSON without hostName", () => {
    expect(parseSshRemoteHost(hexJson({ host: "x" }))).toEqual({ error: "The Remote-SSH authority's host has no hostName." });
  });

  it("rejects a port out of range", () => {
    expect(parseSshRemoteHost(hexJson({ hostName: "x", port: 70000 }))).toEqual({ error: "The window's SSH port 70000 is out of range (1-65535)." });
  });
});
