import { describe, expect, it } from "vitest";
import { checkServePaths, systemServiceOf, type ServeContext } from "../../../broker/src/cli/serve-path-policy.ts";

const defaults = { runtimeDir: "/run/remo-broker", stateDir: "/var/lib/remo-broker", auditFile: "/var/log/remo-broker/audit.jsonl" };
const invocation = "0123456789abcdef0123456789abcdef";
const systemCgroup = "0::/system.slice/remo-broker.service\n";
const hybridInContainer = "9:name=systemd:/libpod_parent/libpod-abc/system.slice/remo-broker.service\n4:memory:/libpod_parent/libpod-abc\n0::/libpod_parent/libpod-abc/system.slice/remo-broker.service\n";
const sessionCgroup = "0::/user.slice/user-1000.slice/session-3.scope\n";
const userService = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/remo-broker.service\n";
const ctx = (over: Partial<ServeContext> = {}): ServeContext => ({ unsafePaths: false, cgroup: sessionCgroup, env: {}, ...over });
const tmpPaths = { runtimeDir: "/tmp/x/run", stateDir: "/tmp/x/state", auditFile: "/tmp/x/audit.jsonl" };

describe("systemServiceOf", () => {
  it("names the unit of a system service, on cgroup v2 and on a hybrid hierarchy inside a container", () => {
    expect(systemServiceOf(systemCgroup)).toBe("remo-broker.service");
    expect(systemServiceOf(hybridInContainer)).toBe("remo-broker.service");
  });

  it("returns undefined for a login session, a user's own service, no cgroup, or garbage", () => {
    expect(systemServiceOf(sessionCgroup)).toBeUndefined();
    expect(systemServiceOf(userService)).toBeUndefined();
    expect(systemServiceOf(undefined)).toBeUndefined();
    expect(systemServiceOf("")).toBeUndefined();
    expect(systemServiceOf("not a cgroup file")).toBeUndefined();
  });
});

describe("checkServePaths", () => {
  it("accepts the default paths anywhere, also when given explicitly", () => {
    expect(checkServePaths({}, defaults, ctx())).toBeNull();
    expect(checkServePaths({ ...defaults }, defaults, ctx())).toBeNull();
  });

  it("refuses each non-default path outside systemd and names it, the defaults, and --unsafe-paths", () => {
    for (const [inputs, named] of [
      [{ runtimeDir: "/tmp/x/run" }, "--runtime-dir /tmp/x/run"],
      [{ stateDir: "/etc" }, "--state-dir /etc"],
      [{ auditFile: "/etc/sudoers.d/x" }, "--audit-file /etc/sudoers.d/x"],
      [{ identity: "/root/key" }, "--identity /root/key"],
      [{ credentialsDirectory: "/home/alice/creds" }, "CREDENTIALS_DIRECTORY=/home/alice/creds"],
    ] as const) {
      const r = checkServePaths(inputs, defaults, ctx());
      expect(r?.message).toContain(named);
      expect(r?.message).toContain("/run/remo-broker, /var/lib/remo-broker, /var/log/remo-broker/audit.jsonl");
      expect(r?.message).toContain("--unsafe-paths");
    }
  });

  it("accepts other paths in its own systemd system service, and not when only one of the two signs is there", () => {
    expect(checkServePaths(tmpPaths, defaults, ctx({ cgroup: systemCgroup, env: { INVOCATION_ID: invocation } }))).toBeNull();
    expect(checkServePaths(tmpPaths, defaults, ctx({ cgroup: hybridInContainer, env: { INVOCATION_ID: invocation } }))).toBeNull();
    // sudo from a session with INVOCATION_ID kept (sudo -E, SETENV): the cgroup still says session.
    expect(checkServePaths(tmpPaths, defaults, ctx({ cgroup: sessionCgroup, env: { INVOCATION_ID: invocation } }))).not.toBeNull();
    // A user's own service named remo-broker.service: placed by the user's manager, not PID 1.
    expect(checkServePaths(tmpPaths, defaults, ctx({ cgroup: userService, env: { INVOCATION_ID: invocation } }))).not.toBeNull();
    expect(checkServePaths(tmpPaths, defaults, ctx({ cgroup: systemCgroup, env: {} }))).not.toBeNull();
    // Another system service a user's processes may run in (a CI runner, cron jobs).
    expect(checkServePaths(tmpPaths, defaults, ctx({ cgroup: "0::/system.slice/cron.service\n", env: { INVOCATION_ID: invocation } }))).not.toBeNull();
    expect(checkServePaths(tmpPaths, defaults, ctx({ cgroup: "0::/system.slice/system-remo\\x2dbroker.slice/remo-broker@two.service\n", env: { INVOCATION_ID: invocation } }))).toBeNull();
    expect(checkServePaths(tmpPaths, defaults, ctx({ cgroup: systemCgroup, env: { INVOCATION_ID: "not-an-id" } }))).not.toBeNull();
  });

  it("accepts other paths with --unsafe-paths as root, and refuses --unsafe-paths under sudo by another user", () => {
    expect(checkServePaths(tmpPaths, defaults, ctx({ unsafePaths: true }))).toBeNull();
    expect(checkServePaths(tmpPaths, defaults, ctx({ unsafePaths: true, env: { SUDO_UID: "0" } }))).toBeNull();
    const r = checkServePaths(tmpPaths, defaults, ctx({ unsafePaths: true, env: { SUDO_UID: "1000" } }));
    expect(r?.message).toContain("--unsafe-paths is refused under sudo by user 1000");
    expect(r?.message).toContain("systemctl start remo-broker");
  });
});
