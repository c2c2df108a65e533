import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validators } from "#protocol";
import { brokerBin, readAudit, requestLines, runCli, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

const isRoot = process.getuid?.() === 0;

describe("remo-broker keygen", () => {
  it("writes a 0600 identity, prints its recipient, and refuses to overwrite it", async () => {
    const t = makeTempDir();
    try {
      const out = join(t.path, "key");
      const r = await runCli(["keygen", "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^age1[02-9ac-hj-np-z]{58}\n$/);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      const before = readFileSync(out, "utf8");
      expect(before).toMatch(/^AGE-SECRET-KEY-1/m);
      expect(r.stdout).not.toContain("AGE-SECRET-KEY");
      const again = await runCli(["keygen", "--out", out]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("refusing to overwrite");
      expect(readFileSync(out, "utf8")).toBe(before);
    } finally {
      t.cleanup();
    }
  });

  it("refuses a non-root sudo caller and creates nothing (a sudo rule for remo-broker must not create root files anywhere)", async () => {
    const t = makeTempDir();
    try {
      const out = join(t.path, "sudoers.d-x");
      const r = await runCli(["keygen", "--out", out], { env: { SUDO_UID: "1000", SUDO_USER: "alice" } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("refused under sudo by user 1000");
      expect(r.stderr).toContain(`env -u SUDO_UID remo-broker keygen --out ${out}`);
      expect(existsSync(out)).toBe(false);
      // Root through sudo (SUDO_UID=0) is root.
      expect((await runCli(["keygen", "--out", out], { env: { SUDO_UID: "0" } })).code).toBe(0);
    } finally {
      t.cleanup();
    }
  });

  it("exits 2 with usage when --out is missing", async () => {
    const r = await runCli(["keygen"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("keygen needs --out FILE");
  });
});

describe("remo-broker serve refuses to start without a usable key", () => {
  const serve = (dir: string, extra: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof runCli> =>
    runCli(["serve", "--unsafe-paths", "--runtime-dir", join(dir, "run"), "--state-dir", join(dir, "state"), "--audit-file", join(dir, "audit.jsonl"), ...extra], { env: { CREDENTIALS_DIRECTORY: "", ...env } });

  it("says how to create a key when there is none", async () => {
    const t = makeTempDir();
    try {
      const r = await serve(t.path, []);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("No decryption key found");
      expect(r.stderr).toContain(`remo-broker keygen --out ${join(t.path, "state", "secrets-key")}`);
    } finally {
      t.cleanup();
    }
  });

  it("refuses a group/world-readable key file and prints the chmod to run", async () => {
    const t = makeTempDir();
    try {
      const key = join(t.path, "key");
      expect((await runCli(["keygen", "--out", key])).code).toBe(0);
      chmodSync(key, 0o644);
      const r = await serve(t.path, ["--identity", key]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("mode 0644");
      expect(r.stderr).toContain(`chmod 600 ${key}`);
      expect(r.stderr).not.toContain("AGE-SECRET-KEY");
    } finally {
      t.cleanup();
    }
  });

  it("refuses a key file that holds no identity", async () => {
    const t = makeTempDir();
    try {
      const key = join(t.path, "key");
      writeFileSync(key, "not a key\n", { mode: 0o600 });
      const r = await serve(t.path, ["--identity", key]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("AGE-SECRET-KEY-1");
      expect(r.stderr).toContain("remo-broker keygen");
    } finally {
      t.cleanup();
    }
  });
});

describe("remo-broker serve outside its systemd unit", () => {
  // The attack: whoever may run `remo-broker serve` as root points its files at a place of their choosing.
  it("refuses non-default paths without --unsafe-paths, creates nothing there, and says what to do", async () => {
    const t = makeTempDir();
    try {
      const key = join(t.path, "key");
      expect((await runCli(["keygen", "--out", key])).code).toBe(0);
      const target = join(t.path, "etc", "sudoers.d");
      // A faked INVOCATION_ID does not make this process a systemd service.
      const r = await runCli(["serve", "--runtime-dir", join(t.path, "run"), "--state-dir", join(t.path, "state"), "--audit-file", join(target, "evil"), "--identity", key], { env: { CREDENTIALS_DIRECTORY: "", INVOCATION_ID: "0123456789abcdef0123456789abcdef" } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--audit-file ${join(target, "evil")}`);
      expect(r.stderr).toContain("--unsafe-paths");
      expect(r.stderr).toContain("systemctl start remo-broker");
      for (const p of [target, join(t.path, "run"), join(t.path, "state")]) expect(existsSync(p), p).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it("refuses --unsafe-paths when a non-root user reached root through sudo", async () => {
    const t = makeTempDir();
    try {
      const r = await runCli(["serve", "--unsafe-paths", "--runtime-dir", join(t.path, "run"), "--state-dir", join(t.path, "state"), "--audit-file", join(t.path, "audit.jsonl")], { env: { CREDENTIALS_DIRECTORY: "", SUDO_UID: "1000", SUDO_USER: "alice" } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("--unsafe-paths is refused under sudo by user 1000");
      expect(existsSync(join(t.path, "run"))).toBe(false);
    } finally {
      t.cleanup();
    }
  });
});

describe("key source reporting", () => {
  for (const [declared, expected] of [["tpm2", "tpm2"], ["host-key", "host-key"], [undefined, "plaintext"]] as const) {
    it(`reports ${expected} for a key from $CREDENTIALS_DIRECTORY with REMO_KEY_SOURCE=${declared ?? "(unset)"}`, async () => {
      const t = makeTempDir();
      try {
        const dir = join(t.path, "b");
        mkdirSync(dir);
        expect((await runCli(["keygen", "--out", join(dir, "secrets-key")])).code).toBe(0);
        // systemd hands the decrypted credential over in $CREDENTIALS_DIRECTORY (0400, owned by the service user).
        const creds = join(t.path, "creds");
        mkdirSync(creds);
        writeFileSync(join(creds, "secrets-key"), readFileSync(join(dir, "secrets-key")), { mode: 0o400 });
        const b = await startBroker({ dir, noIdentityFlag: true, env: { CREDENTIALS_DIRECTORY: creds, ...(declared === undefined ? {} : { REMO_KEY_SOURCE: declared }) } });
        try {
          const status = await b.admin({ op: "status" });
          expect(status.decryption_key_source).toBe(expected);
          expect(await b.admin({ op: "get-public-key" })).toEqual({ ok: true, recipient: b.recipient });
          if (expected === "host-key") expect(String(status.key_source_note)).toContain("stolen disk image");
          if (expected === "tpm2") expect(String(status.key_source_note)).toContain("TPM2");
        } finally {
          await b.stop();
        }
      } finally {
        t.cleanup();
      }
    });
  }

  it("falls back to <state-dir>/secrets-key (0600) when neither --identity nor $CREDENTIALS_DIRECTORY is given", async () => {
    const t = makeTempDir();
    try {
      mkdirSync(join(t.path, "state"), { recursive: true });
      expect((await runCli(["keygen", "--out", join(t.path, "state", "secrets-key")])).code).toBe(0);
      writeFileSync(join(t.path, "secrets-key"), readFileSync(join(t.path, "state", "secrets-key")), { mode: 0o600 });
      const b = await startBroker({ dir: t.path, noIdentityFlag: true, env: { CREDENTIALS_DIRECTORY: "" } });
      try {
        expect(await b.admin({ op: "status" })).toMatchObject({ decryption_key_source: "plaintext" });
      } finally {
        await b.stop();
      }
    } finally {
      t.cleanup();
    }
  });
});

describe("remo-broker admin", () => {
  let broker: BrokerHandle;
  const admin = (args: string[], opts: Parameters<typeof runCli>[1] = {}): ReturnType<typeof runCli> => runCli(["admin", "--runtime-dir", broker.runtimeDir, ...args], opts);

  beforeAll(async () => { broker = await startBroker(); });
  afterAll(async () => { await broker.stop(); });

  it("prints the JSON reply and exits 0 when ok", async () => {
    const r = await admin(["status"]);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(validators.validateStatusResponse(status)).toBe(true);
    expect(JSON.parse((await admin(["get-public-key"])).stdout)).toEqual({ ok: true, recipient: broker.recipient });
  });

  it("registers (with --peer-uid and --socket-owner), reloads and unregisters through flags", async () => {
    const project = join(broker.dir, "projects", "cliproj");
    mkdirSync(join(project, ".devcontainer"), { recursive: true });
    writeFileSync(join(project, ".devcontainer", "remo-broker.toml"), "schema_version = 1\n[project]\nname = \"cliproj\"\n[allowlist]\nsecrets = [\"A\"]\n");
    const r = await admin(["register", "--name", "cliproj", "--project-path", project, "--peer-uid", "0", "--peer-uid", "1000", "--socket-owner", "0:0"]);
    expect(r.code, r.stderr).toBe(0);
    const socketPath = String((JSON.parse(r.stdout) as Record<string, unknown>).socket_path);
    expect((await requestLines(socketPath, [JSON.stringify({ op: "ping" })]))[0]).toMatchObject({ ok: true, project: "cliproj" });
    expect(JSON.parse((await admin(["reload", "--name", "cliproj"])).stdout)).toEqual({ ok: true, allowlist: ["A"] });
    expect((await admin(["unregister", "--name", "cliproj"])).code).toBe(0);
    // A relative --project-path is resolved against the caller's directory.
    const rel = await runCli(["admin", "--runtime-dir", broker.runtimeDir, "register", "--name", "cliproj", "--project-path", "."], { cwd: project });
    expect(rel.code, rel.stderr).toBe(0);
    expect((await admin(["unregister", "--name", "cliproj"])).code).toBe(0);
  });

  it("sends --allowlist on register and reload: served is approved ∩ the manifest file", async () => {
    const project = join(broker.dir, "projects", "cliallow");
    mkdirSync(join(project, ".devcontainer"), { recursive: true });
    writeFileSync(join(project, ".devcontainer", "remo-broker.toml"), "schema_version = 1\n[project]\nname = \"cliallow\"\n[allowlist]\nsecrets = [\"A\", \"B\"]\n");
    const r = await admin(["register", "--name", "cliallow", "--project-path", project, "--allowlist", "A,C"]);
    expect(r.code, r.stderr).toBe(0);
    const reply = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(reply).toMatchObject({ ok: true, allowlist: ["A"] });
    expect((await requestLines(String(reply.socket_path), [JSON.stringify({ op: "info" })]))[0])
      .toEqual({ ok: true, project: "cliallow", allowlist: ["A"], schema_version: 1, approved_count: 2, narrowed_count: 1, unapproved_count: 1 });
    expect(JSON.parse((await admin(["reload", "--name", "cliallow", "--allowlist", "A,B"])).stdout)).toEqual({ ok: true, allowlist: ["A", "B"] });
    expect(JSON.parse((await admin(["reload", "--name", "cliallow", "--allowlist", ""])).stdout)).toEqual({ ok: true, allowlist: [] });
    const bad = await admin(["reload", "--name", "cliallow", "--allowlist", "A,no-dash"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--allowlist names must each be");
    expect((await admin(["unregister", "--name", "cliallow"])).code).toBe(0);
  });

  it("exits 1 and explains on stderr when the broker refuses", async () => {
    const r = await admin(["reload", "--name", "ghost"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: "project_unknown" });
    expect(r.stderr).toContain("project_unknown");
  });

  it("exits 2 with usage for a missing op, an unknown op, a missing flag, or a bad flag value", async () => {
    for (const args of [[], ["explode"], ["register", "--name", "x"], ["register", "--name", "x", "--project-path", "/p", "--peer-uid", "root"], ["status", "--bogus"], ["audit", "--since", "yesterday"]]) {
      const r = await admin(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage:");
    }
  });

  it("exits 2 when push-creds gets nothing on stdin", async () => {
    const r = await admin(["push-creds"], { input: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("stdin");
  });

  it("exits 3 with a clear message when the broker is not running", async () => {
    const t = makeTempDir();
    try {
      const r = await runCli(["admin", "--runtime-dir", t.path, "status"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("The broker is not running");
      expect(r.stderr).toContain("systemctl start remo-broker");
    } finally {
      t.cleanup();
    }
  });

  it.runIf(isRoot)("exits 4 with a clear message when the admin socket is not accessible (non-root user)", async () => {
    const r = await runCli(["admin", "--runtime-dir", broker.runtimeDir, "status"], { uid: 65534, gid: 65534 });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("Permission denied");
    expect(r.stderr).toContain("as root");
  });
});

describe("remo-broker audit", () => {
  let broker: BrokerHandle;
  beforeAll(async () => {
    broker = await startBroker();
    const { socketPath } = await broker.registerProject("audited", { allowlist: ["A"] });
    await broker.registerProject("other", { allowlist: [] });
    await broker.pushSecrets({ A: "audit-value" });
    await requestLines(socketPath, [JSON.stringify({ op: "get", name: "A" }), JSON.stringify({ op: "get", name: "B" })]);
    await readAudit(broker.auditFile, (rs) => rs.filter((r) => r.event === "secret.get").length === 2);
  });
  afterAll(async () => { await broker.stop(); });

  it("prints a table by default", async () => {
    const r = await runCli(["audit", "--audit-file", broker.auditFile]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+EVENT\s+PROJECT\s+SECRET\s+OUTCOME\s+PEER$/);
    expect(r.stdout).toMatch(/secret\.get\s+audited\s+A\s+ok\s+uid \d+ pid \d+/);
    expect(r.stdout).toMatch(/secret\.get\s+audited\s+B\s+denied/);
    expect(r.stdout).not.toContain("audit-value");
  });

  it("prints schema-valid JSON lines with --json, filtered by --project and --since", async () => {
    const r = await runCli(["audit", "--audit-file", broker.auditFile, "--json", "--project", "audited"]);
    expect(r.code, r.stderr).toBe(0);
    const records = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThanOrEqual(3);
    for (const rec of records) {
      expect(validators.validateAuditRecord(rec), JSON.stringify(rec)).toBe(true);
      expect(rec.project).toBe("audited");
    }
    const future = await runCli(["audit", "--audit-file", broker.auditFile, "--json", "--since", new Date(Date.now() + 60_000).toISOString()]);
    expect(future.stdout).toBe("");
  });

  it("follows new records with --tail", async () => {
    const child = spawn(process.execPath, [brokerBin, "audit", "--audit-file", broker.auditFile, "--tail", "--json", "--project", "other"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const sawReload = new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("project.reload")) resolve();
      });
    });
    try {
      // The initial dump (project.register for "other") shows the follower is reading before we add more.
      await new Promise<void>((resolve) => { child.stdout.once("data", () => { resolve(); }); });
      expect(await broker.admin({ op: "reload", name: "other" })).toMatchObject({ ok: true });
      await sawReload;
      expect(out.split("\n").filter((l) => l.includes("project.reload"))).toHaveLength(1);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise<number | null>((resolve) => { child.on("close", (c) => { resolve(c); }); });
    expect(code).toBe(0);
  });

  it("with --tail --new-only prints none of the past, only what is appended", async () => {
    const child = spawn(process.execPath, [brokerBin, "audit", "--audit-file", broker.auditFile, "--tail", "--new-only", "--json", "--project", "other"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    try {
      // No output marks when the follower is live, so reload until one shows up (bounded).
      const deadline = Date.now() + 30_000;
      while (!out.includes("project.reload") && Date.now() < deadline) {
        expect(await broker.admin({ op: "reload", name: "other" })).toMatchObject({ ok: true });
        await new Promise((r) => setTimeout(r, 300));
      }
      const events = out.trim().split("\n").map((l) => (JSON.parse(l) as { event: string }).event);
      expect(events.length).toBeGreaterThan(0);
      // The file already held project.register (and earlier reloads) for "other": none of them is printed.
      expect(new Set(events)).toEqual(new Set(["project.reload"]));
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("refuses --new-only without --tail", async () => {
    const r = await runCli(["audit", "--audit-file", broker.auditFile, "--new-only"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--new-only goes with --tail");
  });

  it("exits 1 with guidance when the audit file cannot be read", async () => {
    const r = await runCli(["audit", "--audit-file", broker.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--audit-file");
  });
});

describe("remo-broker --version and usage", () => {
  it("prints the version, and usage with exit 2 for an unknown command", async () => {
    expect((await runCli(["--version"])).stdout).toBe("0.1.0\n");
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command");
  });
});
