import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, startBroker } from "../helpers/broker-process.ts";
import { readableCopy } from "../helpers/readable-copy.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

// broker/packaging/install.sh, run for real into a temp root: program files, snippets, the unit,
// and the key (a 0600 file without systemd-creds; sealed with the host key when systemd-creds works).
const script = join(repoRoot, "broker", "packaging", "install.sh");
const isRoot = process.getuid?.() === 0;
const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

function install(root: string, env: NodeJS.ProcessEnv = {}): { code: number | null; out: string } {
  const r = spawnSync("sh", [script], { env: { ...process.env, REMO_ROOT: root, REMO_DIST: join(repoRoot, "dist"), ...env }, encoding: "utf8" });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("broker/packaging/install.sh", () => {
  it.runIf(has("shellcheck"))("passes shellcheck", () => {
    const r = spawnSync("shellcheck", [script], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
  for (const [tool, pkg] of [["shellcheck", "shellcheck"], ["systemd-creds", "systemd"], ["systemd-analyze", "systemd"]] as const) {
    if (!has(tool)) process.stderr.write(`SKIPPED: ${tool} is not installed (apt-get install ${pkg}); its install.sh checks did not run\n`);
  }
  if (!isRoot) process.stderr.write("SKIPPED: install.sh tests need root (CI runs as root)\n");

  it.runIf(isRoot)("installs into a temp root without systemd-creds: a 0600 key file, the unit without LoadCredentialEncrypted, and a broker that starts from it", async () => {
    const t = makeTempDir("remo-install-");
    try {
      const first = install(t.path, { REMO_SYSTEMD_CREDS: "none" });
      expect(first.code, first.out).toBe(0);
      expect(first.out).toContain("key source: plaintext");
      const lib = join(t.path, "usr/local/lib/remo-broker");
      expect(statSync(join(lib, "remo-broker.js")).mode & 0o777).toBe(0o755);
      expect(existsSync(join(lib, "peercred.node"))).toBe(true);
      expect(readlinkSync(join(t.path, "usr/local/bin/remo-broker"))).toBe("/usr/local/lib/remo-broker/remo-broker.js");
      expect(readFileSync(join(t.path, "usr/lib/sysusers.d/remo-broker.conf"), "utf8")).toContain("g remo-broker");
      expect(readFileSync(join(t.path, "usr/lib/tmpfiles.d/remo-broker.conf"), "utf8")).toContain("/var/lib/remo-broker");
      const key = join(t.path, "var/lib/remo-broker/secrets-key");
      expect(statSync(key).mode & 0o777).toBe(0o600);
      const recipient = readFileSync(join(t.path, "etc/remo-broker/recipient"), "utf8").trim();
      expect(recipient).toMatch(/^age1/);
      expect(first.out).toContain(recipient);
      const unit = readFileSync(join(t.path, "etc/systemd/system/remo-broker.service"), "utf8");
      expect(unit).toContain(`ExecStart=${process.execPath} --no-opt /usr/local/lib/remo-broker/remo-broker.js serve`);
      expect(unit).not.toMatch(/^LoadCredentialEncrypted=/m);
      expect(unit).not.toMatch(/^Environment=REMO_KEY_SOURCE=/m);
      expect(unit).toMatch(/^MemoryDenyWriteExecute=no$/m);
      expect(unit).not.toContain("@NODE@");

      // The sudo wrapper: node and the library path filled in, root-owned and not writable by others.
      const wrapper = join(t.path, "usr/local/bin/remo-broker-admin");
      expect(statSync(wrapper).mode & 0o777).toBe(0o755);
      expect(statSync(wrapper).uid).toBe(0);
      const wrapperText = readFileSync(wrapper, "utf8");
      expect(wrapperText).toContain(`"${process.execPath}" "/usr/local/lib/remo-broker/remo-broker.js" "$@"`);
      expect(wrapperText).not.toMatch(/@(NODE|LIBDIR)@/);
      expect(first.out).toContain("NOPASSWD: /usr/local/bin/remo-broker-admin");
      // What a sudo user would try through it: other commands, other paths. Each is refused before node runs.
      for (const [argv, says] of [
        [["serve", "--audit-file", "/etc/x"], "only \"admin\" and \"audit\" run through this wrapper, not \"serve\""],
        [["keygen", "--out", "/etc/sudoers.d/x"], "not \"keygen\""],
        [["admin", "--runtime-dir", "/tmp/fake", "status"], "--runtime-dir is not accepted here"],
        [["admin", "--socket=/tmp/fake/admin.sock", "status"], "--socket is not accepted here"],
        [["audit", "--json", "--audit-file", "/etc/shadow"], "--audit-file is not accepted here"],
        [[], "usage: remo-broker-admin"],
      ] as const) {
        const r = spawnSync("sh", [wrapper, ...argv], { encoding: "utf8" });
        expect(r.status, argv.join(" ")).toBe(2);
        expect(r.stderr).toContain(says);
      }

      // Idempotent: a second run keeps the key.
      const keyBefore = readFileSync(key, "utf8");
      const second = install(t.path, { REMO_SYSTEMD_CREDS: "none" });
      expect(second.code, second.out).toBe(0);
      expect(second.out).toContain("keeping the existing key file");
      expect(readFileSync(key, "utf8")).toBe(keyBefore);

      // The installed program, with the installed key found by the broker's own ladder.
      const dir = join(t.path, "run-broker");
      mkdirSync(dir);
      writeFileSync(join(dir, "secrets-key"), keyBefore, { mode: 0o600 });
      const b = await startBroker({ dir, noIdentityFlag: true, env: { CREDENTIALS_DIRECTORY: "" }, extraArgs: ["--state-dir", join(t.path, "var/lib/remo-broker")] });
      try {
        expect(await b.admin({ op: "get-public-key" })).toEqual({ ok: true, recipient });
        expect(await b.admin({ op: "status" })).toMatchObject({ decryption_key_source: "plaintext" });
      } finally {
        await b.stop();
      }
    } finally {
      t.cleanup();
    }
  });

  it.runIf(isRoot && has("systemd-creds"))("seals the key with systemd-creds (host key here: no TPM2) into a credential that systemd-creds decrypts to the same recipient", async () => {
    const t = makeTempDir("remo-install-");
    try {
      const r = install(t.path);
      expect(r.code, r.out).toBe(0);
      const tpm2 = spawnSync("systemd-creds", ["has-tpm2"]).status === 0;
      const mode = tpm2 ? "tpm2" : "host-key";
      expect(r.out).toContain(`key source: ${mode}`);
      expect(existsSync(join(t.path, "var/lib/remo-broker/secrets-key"))).toBe(false);
      const cred = join(t.path, "etc/credstore.encrypted/remo-broker.secrets-key");
      expect(readFileSync(cred, "latin1")).not.toContain("AGE-SECRET-KEY");
      const unit = readFileSync(join(t.path, "etc/systemd/system/remo-broker.service"), "utf8");
      expect(unit).toMatch(/^LoadCredentialEncrypted=secrets-key:\/etc\/credstore\.encrypted\/remo-broker\.secrets-key$/m);
      expect(unit).toMatch(new RegExp(`^Environment=REMO_KEY_SOURCE=${mode}$`, "m"));
      // What LoadCredentialEncrypted= does at start: decrypt into a private credentials directory.
      const creds = join(t.path, "credentials");
      mkdirSync(creds, { mode: 0o700 });
      const plain = execFileSync("systemd-creds", ["decrypt", "--name=secrets-key", cred, "-"]);
      writeFileSync(join(creds, "secrets-key"), plain, { mode: 0o400 });
      const dir = join(t.path, "b");
      mkdirSync(dir);
      writeFileSync(join(dir, "secrets-key"), plain, { mode: 0o600 });
      const b = await startBroker({ dir, noIdentityFlag: true, env: { CREDENTIALS_DIRECTORY: creds, REMO_KEY_SOURCE: mode } });
      try {
        expect(await b.admin({ op: "get-public-key" })).toEqual({ ok: true, recipient: readFileSync(join(t.path, "etc/remo-broker/recipient"), "utf8").trim() });
        expect(await b.admin({ op: "status" })).toMatchObject({ decryption_key_source: mode });
      } finally {
        await b.stop();
      }
    } finally {
      t.cleanup();
    }
  });

  it.runIf(has("systemd-analyze"))("ships a unit that keeps the runtime directory, comes before the container engines, and is hardened at 2.0 or better", () => {
    const t = makeTempDir("remo-unit-");
    try {
      const text = readFileSync(join(repoRoot, "broker/packaging/remo-broker.service"), "utf8");
      const unit = join(t.path, "remo-broker.service");
      writeFileSync(unit, text.replaceAll("@NODE@", process.execPath).replaceAll("@LIBDIR@", join(repoRoot, "dist")));
      const directives = text.split("\n").filter((l) => /^[A-Z]\w+=/.test(l));
      for (const d of ["RuntimeDirectoryPreserve=yes", "PrivateNetwork=yes", "PrivateMounts=yes", "ProcSubset=pid", "SystemCallFilter=~@resources", "MemoryMax=256M", "MemoryDenyWriteExecute=no"]) {
        expect(directives).toContain(d);
      }
      const before = directives.find((l) => l.startsWith("Before="))?.slice("Before=".length).split(/\s+/) ?? [];
      expect(before).toEqual(expect.arrayContaining(["docker.service", "podman.service", "podman.socket", "containerd.service"]));
      // 2.0 is what the unit scored before this hardening; it must never get worse.
      const r = spawnSync("systemd-analyze", ["security", "--offline=yes", "--no-pager", unit], { encoding: "utf8" });
      const score = /Overall exposure level for remo-broker\.service: (\d+\.\d+)/.exec(r.stdout + r.stderr)?.[1];
      expect(score, r.stdout + r.stderr).toBeDefined();
      expect(Number(score)).toBeLessThanOrEqual(2.0);
    } finally {
      t.cleanup();
    }
  });

  it.runIf(has("systemd-analyze"))("ships a unit that systemd-analyze verify accepts without unknown keys", () => {
    const t = makeTempDir("remo-unit-");
    try {
      const unit = readFileSync(join(repoRoot, "broker/packaging/remo-broker.service"), "utf8").replaceAll("@NODE@", process.execPath).replaceAll("@LIBDIR@", join(repoRoot, "dist"));
      writeFileSync(join(t.path, "remo-broker.service"), unit);
      const r = spawnSync("systemd-analyze", ["verify", join(t.path, "remo-broker.service")], { encoding: "utf8" });
      const complaints = (r.stdout + r.stderr).split("\n").filter((l) => l.includes("remo-broker.service"));
      expect(complaints).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it("refuses to run as a non-root user with a message that says what to do", () => {
    if (!isRoot) {
      const r = install("/nonexistent");
      expect(r.out).toContain("run as root");
      return;
    }
    // A readable copy: the checkout may sit under a folder that user cannot enter.
    const r = spawnSync("sh", [readableCopy(script)], { uid: 65534, gid: 65534, encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("run as root");
  });
});
