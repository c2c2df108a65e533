import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel, readTree } from "../helpers/sentinel.ts";
import type { Sandbox } from "./debian-root.ts";
import { ensureStagedClient, hostNode, inRootFeature, inRootTests, install, newFeatureSandbox, optionEnv, skipReason, snapshotLayer } from "./feature-sandbox.ts";

// install.sh for real, as root, in a Debian chroot (debootstrap minbase + git) with an
// overlay per test as the container's writable layer. No Docker here; this is the
// closest real thing: the same shell, package manager, users and files as an image.
if (skipReason !== null) {
  console.warn(`SKIPPED: feature install tests: ${skipReason}`);
  if (process.env.CI !== undefined) throw new Error(`feature install tests cannot run in CI: ${skipReason}`);
}

const sandboxes: Sandbox[] = [];
function sandbox(): Sandbox {
  const s = newFeatureSandbox();
  sandboxes.push(s);
  return s;
}

describe.skipIf(skipReason !== null)("install.sh in a Debian chroot", () => {
  beforeAll(() => { ensureStagedClient(); });
  afterEach(() => { for (const s of sandboxes.splice(0)) s.cleanup(); });

  it("installs the launcher with the image's Node, and a second run changes nothing", async () => {
    const s = sandbox();
    const first = await install(s);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("remo-secrets feature: wrote /usr/local/bin/remo-secrets");
    expect(first.stdout).toContain("remo-secrets feature: installed remo-secrets 0.1.0 (node 20, socket /run/remo-broker/sock, exportSecrets=none, git helper=true)");
    const version = await s.run("remo-secrets --version", { binds: [hostNode] });
    expect(version).toMatchObject({ status: 0, stdout: "remo-secrets 0.1.0\n" });
    const launcher = readFileSync(join(s.upper, "usr/local/bin/remo-secrets"), "utf8");
    expect(launcher).toContain("exec '/usr/local/bin/node' '/usr/local/lib/remo-secrets/remo-secrets.js' \"$@\"");

    const before = snapshotLayer(s);
    const second = await install(s);
    expect(second.status).toBe(0);
    // Idempotent: only the final summary line, no file written, nothing hooked twice.
    expect(second.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^remo-secrets feature: installed remo-secrets 0\.1\.0/) as unknown]);
    expect(snapshotLayer(s)).toEqual(before);
    const gitconfig = readFileSync(join(s.upper, "etc/gitconfig"), "utf8");
    expect(gitconfig.match(/remo-secrets git-credential/g)?.length).toBe(1);
  });

  it("merges dockerRegistries into the remote user's docker config, keeping other keys, and a rerun changes nothing", async () => {
    const s = sandbox();
    expect((await s.run("useradd -m -s /bin/bash dev && mkdir -p /home/dev/.docker && echo '{\"auths\":{\"x.io\":{}},\"credHelpers\":{\"gcr.io\":\"gcloud\"}}' > /home/dev/.docker/config.json")).status).toBe(0);
    const options = { dockerRegistries: "ghcr.io, docker.io", _REMOTE_USER: "dev" };
    const first = await install(s, options);
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain("remo-secrets feature: wrote credHelpers to /home/dev/.docker/config.json");
    const config = JSON.parse(readFileSync(join(s.upper, "home/dev/.docker/config.json"), "utf8")) as unknown;
    expect(config).toEqual({ auths: { "x.io": {} }, credHelpers: { "gcr.io": "gcloud", "ghcr.io": "remo", "https://index.docker.io/v1/": "remo" } });
    const before = snapshotLayer(s);
    const second = await install(s, options);
    expect(second.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^remo-secrets feature: installed .*docker registries=ghcr.io, docker.io\)$/) as unknown]);
    expect(snapshotLayer(s)).toEqual(before);
    const bad = await install(s, { dockerRegistries: "ghcr.io,$(id)" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("remo-secrets feature: ERROR: dockerRegistries: '$(id)' is not a registry host; use a comma-separated list such as ghcr.io,registry.example.com:5000\n");
  });

  it("fails as non-root with a message that says how to run it", async () => {
    const s = sandbox();
    const r = await s.run(`useradd -m -u 1000 dev && runuser -u dev -- sh ${inRootFeature}/install.sh`, { binds: [hostNode] });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`remo-secrets feature: ERROR: install.sh must run as root. Dev container builds run features as root; to run it by hand use: sudo sh ${inRootFeature}/install.sh\n`);
  });

  it("rejects a bad option before changing anything", async () => {
    const s = sandbox();
    const r = await install(s, { exportSecrets: "GITHUB_TOKEN,bad-name!" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("remo-secrets feature: ERROR: exportSecrets: 'bad-name!' is not a secret name; use none, all, or names like GITHUB_TOKEN,NPM_TOKEN\n");
    const files = await s.run("ls /usr/local/bin /usr/local/lib");
    expect(files.stdout).not.toContain("remo-secrets");
    for (const [opt, value, message] of [
      ["socketPath", "relative/sock", "socketPath must be an absolute path"],
      ["installPath", "opt", "installPath must be an absolute path"],
      ["installGitCredentialHelper", "yes", "installGitCredentialHelper must be true or false"],
    ] as const) {
      const bad = await install(s, { [opt]: value });
      expect({ opt, status: bad.status }).toEqual({ opt, status: 1 });
      expect(bad.stderr).toContain(message);
    }
  });

  it("fails clearly on an image it cannot install Node on", async () => {
    const s = sandbox();
    // /etc/os-release is a symlink in Debian; a file in the upper layer replaces it.
    mkdirSync(join(s.upper, "etc"), { recursive: true });
    writeFileSync(join(s.upper, "etc/os-release"), "ID=plan9\nNAME=\"Plan 9\"\n");
    const r = await install(s, {}, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("remo-secrets feature: ERROR: unsupported image: no Node >= 18 and not a Debian/Ubuntu, Alpine or RHEL-family distribution; add the node feature (ghcr.io/devcontainers/features/node) before remo-secrets, or use a Debian, Ubuntu, Alpine or RHEL-based image\n");
  });

  it("says to build when the bundled client is missing from the feature folder", async () => {
    const s = sandbox();
    rmSync(join(s.upper, inRootFeature, "remo-secrets.js"));
    const r = await install(s);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("remo-secrets.js is missing: run 'npm run build' in the Remo Secrets repository");
  });

  it.skipIf(process.env.REMO_FEATURE_SKIP_APT === "1")("installs Debian's nodejs with apt when the image has no Node, then the client runs on it", async () => {
    const s = sandbox();
    const r = await s.run(`cd ${inRootFeature} && sh ./install.sh`, { timeoutMs: 600_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toContain("remo-secrets feature: no Node >= 18 found; installing nodejs from the debian distribution packages");
    const v = await s.run("command -v node && node --version && remo-secrets --version");
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^\/usr\/bin\/node\nv(1[89]|[2-9]\d)\.\d+\.\d+\nremo-secrets 0\.1\.0\n$/);
    // Rerun: Node is there now, so no package manager runs and nothing changes.
    const again = await s.run(`cd ${inRootFeature} && sh ./install.sh`);
    expect(again.stdout).not.toContain("installing nodejs");
  });
});

describe.skipIf(skipReason !== null)("devcontainers test scripts (test.sh, scenarios.json) in the chroot", () => {
  beforeAll(() => { ensureStagedClient(); });
  afterEach(() => { for (const s of sandboxes.splice(0)) s.cleanup(); });

  it("test.sh passes with default options", async () => {
    const s = sandbox();
    expect((await install(s)).status).toBe(0);
    const r = await s.run(`cd ${inRootTests} && bash ./test.sh`, { binds: [hostNode] });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("All checks passed.");
  });

  const scenarios = JSON.parse(readFileSync(new URL("../../devcontainer-feature/test/remo-secrets/scenarios.json", import.meta.url), "utf8")) as Record<string, { features: Record<string, Record<string, string | boolean>>; remoteUser?: string }>;
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`scenario ${name} passes`, async () => {
      const s = sandbox();
      const options = scenario.features["remo-secrets"] ?? {};
      const user = scenario.remoteUser;
      // common-utils would create the remote user in a real build; here we do.
      if (user !== undefined) expect((await s.run(`useradd -m -s /bin/bash ${user}`)).status).toBe(0);
      // The devcontainer CLI tells install.sh who the remote user is.
      const inst = await install(s, user === undefined ? options : { ...options, _REMOTE_USER: user });
      expect(inst.status, inst.stderr).toBe(0);
      const cmd = `cd ${inRootTests} && bash ./${name}.sh`;
      const r = await s.run(user === undefined ? cmd : `runuser -u ${user} -- sh -c '${cmd}'`, { binds: [hostNode], env: optionEnv({}) });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("All checks passed.");
    });
  }
});

describe.skipIf(skipReason !== null)("the installed client against the real broker through a bind-mounted socket", () => {
  const token = makeSentinel("GHTOKEN");
  const npm = makeSentinel("NPM");
  let broker: BrokerHandle;
  let socketPath: string;

  beforeAll(async () => {
    ensureStagedClient();
    broker = await startBroker();
    // The container user is uid 1000; the broker gives it the socket, as register does for a checkout's owner.
    socketPath = (await broker.registerProject("boxed", { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"], socketOwner: "1000:1000" })).socketPath;
    await broker.pushSecrets({ GITHUB_TOKEN: token, NPM_TOKEN: npm });
  });

  afterAll(async () => {
    await broker.stop();
    rmSync(broker.dir, { recursive: true, force: true });
    for (const s of sandboxes.splice(0)) s.cleanup();
  });

  it("gets secrets as the non-root container user, exports them into interactive shells, and writes no value to any file", async () => {
    const s = sandbox();
    expect((await s.run("useradd -m -u 1000 -s /bin/bash vscode")).status).toBe(0);
    expect((await install(s, { exportSecrets: "all" })).status).toBe(0);
    const binds = [hostNode, { from: socketPath, to: "/run/remo-broker/sock", file: true }];
    const asUser = (cmd: string): Promise<{ status: number | null; stdout: string; stderr: string }> =>
      s.run(`runuser -u vscode -- bash -c '${cmd}'`, { binds, env: { REMO_BROKER_SOCKET: "/run/remo-broker/sock" } });

    const get = await asUser("remo-secrets get GITHUB_TOKEN");
    expect(get).toMatchObject({ status: 0, stdout: token, stderr: "" });

    const startup = await asUser("remo-secrets-startup");
    expect(startup.stdout).toBe("remo-secrets: project boxed, 2 of 2 secrets available\n");

    // An interactive shell (what a VS Code terminal is) gets the values via the bash.bashrc hook.
    const shell = await s.run("runuser -u vscode -- bash -ic 'printf \"%s|%s\" \"$GITHUB_TOKEN\" \"$NPM_TOKEN\"; history -w'", { binds, env: { REMO_BROKER_SOCKET: "/run/remo-broker/sock", HOME: "/home/vscode" } });
    expect(shell.stdout).toBe(`${token}|${npm}`);

    const exec = await asUser("remo-secrets exec --mask -- sh -c \"echo \\$NPM_TOKEN\"");
    expect(exec.stdout).toBe("***\n");

    // The container's writable layer: no plaintext value in any file, history included.
    const leaks = [...findLeaks(token, readTree(s.upper)), ...findLeaks(npm, readTree(s.upper))];
    expect(leaks).toEqual([]);
    expect(findLeaks(token, { stderr: get.stderr + startup.stderr + shell.stderr + exec.stderr })).toEqual([]);
  });
});
