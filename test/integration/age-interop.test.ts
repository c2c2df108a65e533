import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestLines, runCli, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

// Interop with the real `age` CLI (FiloSottile/age), both directions, through the real admin CLI.
const age = (args: string[], input?: string | Buffer): Buffer => execFileSync("age", args, { input, stdio: ["pipe", "pipe", "pipe"] });

describe("age CLI interop", () => {
  let broker: BrokerHandle;
  let sock: string;

  beforeAll(async () => {
    broker = await startBroker();
    sock = (await broker.registerProject("interop", { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN"] })).socketPath;
  });
  afterAll(async () => { await broker.stop(); });

  const get = async (name: string): Promise<Record<string, unknown>> => (await requestLines(sock, [JSON.stringify({ op: "get", name })]))[0]!;
  const push = (ciphertext: Buffer, extra: string[] = []): ReturnType<typeof runCli> =>
    runCli(["admin", "--runtime-dir", broker.runtimeDir, "push-creds", ...extra], { input: ciphertext });

  it("accepts a binary bundle made by `age -r <recipient>`, piped to `remo-broker admin push-creds`", async () => {
    const ct = age(["-r", broker.recipient], "GITHUB_TOKEN = \"from-age-binary\"\n");
    expect(ct.subarray(0, 21).toString()).toBe("age-encryption.org/v1");
    const r = await push(ct);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, secret_count: 1 });
    expect(await get("GITHUB_TOKEN")).toEqual({ ok: true, value: "from-age-binary", ttl_seconds: 600 });
  });

  it("accepts an armored bundle made by `age -a -r <recipient>`", async () => {
    const ct = age(["-a", "-r", broker.recipient], "GITHUB_TOKEN = \"from-age-armored\"\nNPM_TOKEN = \"npm\"\n");
    expect(ct.toString()).toContain("-----BEGIN AGE ENCRYPTED FILE-----");
    const r = await push(ct);
    expect(r.code, r.stderr).toBe(0);
    expect(await get("GITHUB_TOKEN")).toMatchObject({ value: "from-age-armored" });
    expect(await get("NPM_TOKEN")).toMatchObject({ value: "npm" });
  });

  it("accepts a per-project bundle pushed with --project", async () => {
    const r = await push(age(["-r", broker.recipient], "NPM_TOKEN = \"project-npm\"\n"), ["--project", "interop"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await get("NPM_TOKEN")).toMatchObject({ value: "project-npm" });
    expect(await get("GITHUB_TOKEN")).toMatchObject({ value: "from-age-armored" });
    expect((await runCli(["admin", "--runtime-dir", broker.runtimeDir, "clear-creds", "--project", "interop"])).code).toBe(0);
  });

  it("answers decrypt_failed (exit 1) for a bundle made for another key, and the old secrets still serve", async () => {
    const other = makeTempDir();
    try {
      execFileSync("age-keygen", ["-o", join(other.path, "k")], { stdio: "ignore" });
      const otherRecipient = execFileSync("age-keygen", ["-y", join(other.path, "k")]).toString().trim();
      const r = await push(age(["-r", otherRecipient], "GITHUB_TOKEN = \"attacker\"\n"));
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: "decrypt_failed" });
      expect(r.stderr).toContain("get-public-key");
      expect(await get("GITHUB_TOKEN")).toMatchObject({ value: "from-age-armored" });
    } finally {
      other.cleanup();
    }
  });

  it("stores the pushed ciphertext, which `age -d -i <identity>` decrypts (our key works with the age CLI)", () => {
    const stored = readFileSync(join(broker.stateDir, "bundles", "node.age"));
    const plain = age(["-d", "-i", broker.identityFile], stored).toString();
    expect(plain).toContain("GITHUB_TOKEN = \"from-age-armored\"");
  });

  it("prints a recipient from `remo-broker keygen` that `age-keygen -y` derives from the same file", () => {
    const derived = execFileSync("age-keygen", ["-y", broker.identityFile]).toString().trim();
    expect(derived).toBe(broker.recipient);
  });
});

describe("a broker started with an identity made by age-keygen", () => {
  it("serves bundles that age-encryption and the age CLI encrypt to `age-keygen -y`'s recipient", async () => {
    const t = makeTempDir("remo-agekey-");
    const dir = join(t.path, "b");
    try {
      mkdirSync(dir, { recursive: true });
      const key = join(dir, "secrets-key");
      execFileSync("age-keygen", ["-o", key], { stdio: "ignore" });
      const recipient = execFileSync("age-keygen", ["-y", key]).toString().trim();
      const broker = await startBroker({ dir });
      try {
        expect(broker.recipient).toBe(recipient);
        expect(await broker.admin({ op: "get-public-key" })).toEqual({ ok: true, recipient });
        const { socketPath } = await broker.registerProject("agekey", { allowlist: ["A", "B"] });
        expect(await broker.pushSecrets({ A: "via-typage" })).toMatchObject({ ok: true });
        expect((await requestLines(socketPath, [JSON.stringify({ op: "get", name: "A" })]))[0]).toMatchObject({ value: "via-typage" });
        writeFileSync(join(t.path, "bundle.toml"), "B = \"via-age-cli\"\n");
        const ct = age(["-r", recipient, join(t.path, "bundle.toml")]);
        const r = await runCli(["admin", "--runtime-dir", broker.runtimeDir, "push-creds"], { input: ct });
        expect(r.code, r.stderr).toBe(0);
        expect((await requestLines(socketPath, [JSON.stringify({ op: "get", name: "B" })]))[0]).toMatchObject({ value: "via-age-cli" });
      } finally {
        await broker.stop();
      }
    } finally {
      t.cleanup();
    }
  });
});
