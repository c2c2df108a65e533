import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { runProcess } from "../helpers/run-process.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { clientBin, runClient, type ClientRun } from "./client-helpers.ts";

// The docker and AWS credential helpers and env --format against the real broker. Docker is
// driven the way its credential-helper client drives a helper: the feature's
// docker-credential-remo run with the action as argv[1] and the server URL on stdin.
const ghcr = makeSentinel("GHCR");
const quay = makeSentinel("QUAY");
const awsKey = `AKIA${makeSentinel("K")}`;
const awsSecret = makeSentinel("AWSSECRET");
const devKey = `AKIA${makeSentinel("DK")}`;
const devSecret = makeSentinel("DEVSECRET");
const devSession = makeSentinel("DEVSESSION");
const values = [ghcr, quay, awsKey, awsSecret, devKey, devSecret, devSession];
const allowlist = ["DOCKER_AUTH_GHCR_IO", "DOCKER_AUTH_QUAY_IO", "DOCKER_AUTH_REG_EXAMPLE_COM_5000", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEV_ACCESS_KEY_ID", "AWS_DEV_SECRET_ACCESS_KEY", "AWS_DEV_SESSION_TOKEN", "AWS_BROKEN_ACCESS_KEY_ID"];

let broker: BrokerHandle;
let socket: string;
const tmp = makeTempDir("remo-cred-helpers-");
const bin = join(tmp.path, "bin");
const runs: { stdout: string; stderr: string; argv: string[] }[] = [];

/** Runs the feature's docker-credential-remo with remo-secrets on PATH, as docker would. */
async function dockerHelper(action: string, input: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runProcess(join(repoRoot, "devcontainer-feature/src/remo-secrets/docker-credential-remo"), [action], {
    env: { PATH: `${bin}:${process.env.PATH ?? ""}`, REMO_BROKER_SOCKET: socket, HOME: tmp.path, ...env },
    input,
  });
  runs.push({ stdout, stderr, argv: [action] });
  return { code, stdout, stderr };
}

async function client(args: string[]): Promise<ClientRun> {
  const r = await runClient(args, { socket });
  runs.push(r);
  return r;
}

beforeAll(async () => {
  broker = await startBroker();
  socket = (await broker.registerProject("credproj", { allowlist })).socketPath;
  await broker.pushSecrets({
    DOCKER_AUTH_GHCR_IO: ghcr, DOCKER_AUTH_QUAY_IO: `robot+ci:${quay}`, DOCKER_AUTH_NOT_ALLOWED_IO: "x",
    AWS_ACCESS_KEY_ID: awsKey, AWS_SECRET_ACCESS_KEY: awsSecret,
    AWS_DEV_ACCESS_KEY_ID: devKey, AWS_DEV_SECRET_ACCESS_KEY: devSecret, AWS_DEV_SESSION_TOKEN: devSession,
  });
  mkdirSync(bin);
  // What the feature's launcher does: remo-secrets on PATH runs the bundled client.
  writeFileSync(join(bin, "remo-secrets"), `#!/bin/sh\nexec '${process.execPath}' '${clientBin}' "$@"\n`);
  chmodSync(join(bin, "remo-secrets"), 0o755);
});

afterAll(async () => {
  await broker.stop();
  const sources: Record<string, string> = { audit: readFileSync(broker.auditFile, "utf8"), broker: broker.output() };
  for (const [i, r] of runs.entries()) { sources[`run ${i} stderr`] = r.stderr; sources[`run ${i} argv`] = r.argv.join(" "); }
  rmSync(broker.dir, { recursive: true, force: true });
  tmp.cleanup();
  // No value in any stderr, argv, the audit or the broker's output.
  expect(values.flatMap((v) => findLeaks(v, sources))).toEqual([]);
});

describe("docker-credential-remo", () => {
  it("answers get with the docker-credential-helpers JSON, a bare token getting the default user", async () => {
    const r = await dockerHelper("get", "https://ghcr.io\n");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual({ ServerURL: "https://ghcr.io", Username: "x-access-token", Secret: ghcr });
  });

  it("splits user:token", async () => {
    const r = await dockerHelper("get", "quay.io");
    expect(JSON.parse(r.stdout)).toEqual({ ServerURL: "quay.io", Username: "robot+ci", Secret: quay });
  });

  it("answers docker's not-found for a registry whose name is not on the allowlist, with the reason on stderr", async () => {
    const r = await dockerHelper("get", "https://not.allowed.io");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("credentials not found in native keychain\n");
    expect(r.stderr).toContain("\"DOCKER_AUTH_NOT_ALLOWED_IO\" is not on this project's allowlist");
  });

  it("answers docker's not-found for an allowlisted registry with no value pushed", async () => {
    const r = await dockerHelper("get", "reg.example.com:5000");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("credentials not found in native keychain\n");
    expect(r.stderr).toContain("no value for \"DOCKER_AUTH_REG_EXAMPLE_COM_5000\" has been pushed yet");
  });

  it("refuses store and erase with a sentence on stdout (what docker shows)", async () => {
    const r = await dockerHelper("store", JSON.stringify({ ServerURL: "ghcr.io", Username: "u", Secret: "s" }));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("remo-secrets does not store docker credentials: the Remo broker holds them. Set DOCKER_AUTH_<REGISTRY> in VS Code on your laptop and push, instead of docker login/logout.\n");
  });

  it("puts an unreachable broker's message on stdout, where docker shows it", async () => {
    const r = await dockerHelper("get", "ghcr.io", { REMO_BROKER_SOCKET: join(tmp.path, "nope.sock"), REMO_SECRETS_RETRY_SECONDS: "0" });
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/^remo-secrets: cannot reach the Remo broker at .*nope\.sock/);
  });

  it("lists the registries config.json sends to it, with their usernames", async () => {
    const dockerConfig = join(tmp.path, "docker");
    mkdirSync(dockerConfig, { recursive: true });
    writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ credHelpers: { "ghcr.io": "remo", "quay.io": "remo", "gcr.io": "gcloud", "reg.example.com:5000": "remo" } }));
    const r = await dockerHelper("list", "", { DOCKER_CONFIG: dockerConfig });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ "ghcr.io": "x-access-token", "quay.io": "robot+ci" });
  });

  it("prints the credHelpers block for config.json", async () => {
    const r = await client(["docker-login-config", "--registries", "ghcr.io,https://index.docker.io/v1/"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ credHelpers: { "ghcr.io": "remo", "https://index.docker.io/v1/": "remo" } });
  });
});

describe("aws-credential-process", () => {
  it("prints Version 1 JSON for the default profile, without a session token when none is allowlisted", async () => {
    const r = await client(["aws-credential-process"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual({ Version: 1, AccessKeyId: awsKey, SecretAccessKey: awsSecret });
  });

  it("reads AWS_<PROFILE>_… for --profile, with the session token", async () => {
    const r = await client(["aws-credential-process", "--profile", "dev"]);
    expect(JSON.parse(r.stdout)).toEqual({ Version: 1, AccessKeyId: devKey, SecretAccessKey: devSecret, SessionToken: devSession });
  });

  it("fails with not_found when a key is allowlisted but not pushed, and denied when it is not allowlisted", async () => {
    const missing = await client(["aws-credential-process", "--profile", "broken"]);
    expect(missing).toMatchObject({ code: 4, stdout: "" });
    expect(missing.stderr).toContain("no value for \"AWS_BROKEN_ACCESS_KEY_ID\" has been pushed yet");
    const denied = await client(["aws-credential-process", "--profile", "other"]);
    expect(denied).toMatchObject({ code: 3, stdout: "" });
    expect(denied.stderr).toContain("\"AWS_OTHER_ACCESS_KEY_ID\" is not on this project's allowlist");
  });
});

describe("env --format", () => {
  it("prints dotenv and json for a pipe", async () => {
    const dotenv = await client(["env", "--format", "dotenv", "AWS_ACCESS_KEY_ID", "DOCKER_AUTH_QUAY_IO"]);
    expect(dotenv).toMatchObject({ code: 0, stdout: `AWS_ACCESS_KEY_ID=${awsKey}\nDOCKER_AUTH_QUAY_IO=robot+ci:${quay}\n` });
    const json = await client(["env", "--format", "json", "AWS_ACCESS_KEY_ID"]);
    expect(JSON.parse(json.stdout)).toEqual({ AWS_ACCESS_KEY_ID: awsKey });
  });
});
