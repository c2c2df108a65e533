#!/usr/bin/env node
// `npm run demo`: the broker's main job in ~5 seconds, on this machine, in a temp dir.
// Generates a key, starts `remo-broker serve`, registers a demo project, pushes an
// age-encrypted bundle through the admin CLI's stdin, fetches a secret over the project
// socket, shows the audit trail, and stops. The value shown is a fake demo value.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Encrypter } from "age-encryption";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "dist", "remo-broker.js");
const started = Date.now();
const step = (n, text) => console.log(`\n[${((Date.now() - started) / 1000).toFixed(1)}s] ${n}. ${text}`);
const show = (cmd) => console.log(`   $ ${cmd}`);

/** Runs the broker CLI, optionally with stdin; exits the demo on failure. */
function cli(args, input) {
  show(`remo-broker ${args.join(" ")}${input ? "   < (ciphertext on stdin)" : ""}`);
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8", env: { ...process.env, SUDO_UID: undefined } });
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`remo-broker ${args[0]} failed with exit ${r.status}`);
  }
  return r.stdout;
}

/** One request on a Unix socket; resolves the first reply line as JSON. */
function request(socketPath, message) {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath, () => { s.write(JSON.stringify(message) + "\n"); });
    let buf = "";
    s.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl !== -1) { s.destroy(); resolve(JSON.parse(buf.slice(0, nl))); }
    });
    s.on("error", reject);
  });
}

const dir = mkdtempSync(join(tmpdir(), "remo-demo-"));
const runtimeDir = join(dir, "run");
const auditFile = join(dir, "log", "audit.jsonl");
const key = join(dir, "secrets-key");
let broker;
try {
  step(1, "Create the node's age identity (0600; only its public recipient is printed)");
  const recipient = cli(["keygen", "--out", key]).trim();
  console.log(`   recipient: ${recipient}`);

  step(2, "Start the broker in a temp dir (admin socket 0600, project sockets 0660)");
  const serveArgs = ["serve", "--unsafe-paths", "--runtime-dir", runtimeDir, "--state-dir", join(dir, "state"), "--audit-file", auditFile, "--identity", key];
  show(`remo-broker ${serveArgs.join(" ")} &`);
  broker = spawn(process.execPath, [bin, ...serveArgs], { env: { ...process.env, SUDO_UID: undefined }, stdio: ["ignore", "inherit", "pipe"] });
  await new Promise((resolve, reject) => {
    let seen = "";
    // The broker's log goes to stdout here so it interleaves with the steps in order.
    broker.stderr.on("data", (d) => {
      seen += d;
      for (const line of String(d).split("\n").filter(Boolean)) console.log(`   broker log: ${line}`);
      if (seen.includes("serving:")) resolve();
    });
    broker.on("exit", (code) => reject(new Error(`the broker exited (${code}) before it was ready:\n${seen}`)));
  });

  step(3, "Register a demo project from its manifest (.devcontainer/remo-broker.toml)");
  const project = join(dir, "projects", "demo");
  mkdirSync(join(project, ".devcontainer"), { recursive: true });
  writeFileSync(join(project, ".devcontainer", "remo-broker.toml"), "schema_version = 1\n\n[project]\nname = \"demo\"\n\n[allowlist]\nsecrets = [\"DEMO_TOKEN\", \"GITHUB_TOKEN\"]\n");
  const reg = JSON.parse(cli(["admin", "--runtime-dir", runtimeDir, "register", "--name", "demo", "--project-path", project]));
  console.log(`   project socket: ${reg.socket_path}`);

  step(4, "Encrypt a sample bundle to the recipient (age-encryption, as the laptop does) and push it via stdin");
  const enc = new Encrypter();
  enc.addRecipient(recipient);
  const ciphertext = await enc.encrypt("DEMO_TOKEN = \"demo-value-not-a-real-secret\"\nGITHUB_TOKEN = \"ghp_demo000000000000000000000000000000\"\n");
  const pushed = JSON.parse(cli(["admin", "--runtime-dir", runtimeDir, "push-creds"], Buffer.from(ciphertext)));
  console.log(`   loaded ${pushed.secret_count} secrets at ${pushed.loaded_at} (names only are ever logged)`);

  step(5, "Fetch a secret through the project socket (what remo-secrets does in the container)");
  show(`echo '{"op":"get","name":"DEMO_TOKEN"}' | nc -U ${reg.socket_path}`);
  const got = await request(reg.socket_path, { op: "get", name: "DEMO_TOKEN" });
  console.log(`   fake demo value: ${got.value}   (ttl_seconds ${got.ttl_seconds})`);
  const denied = await request(reg.socket_path, { op: "get", name: "AWS_SECRET" });
  console.log(`   a name outside the allowlist → ${denied.code}: ${denied.message}`);

  step(6, "Read the audit trail (names and outcomes, never values)");
  console.log(cli(["audit", "--audit-file", auditFile]).trimEnd().replace(/^/gm, "   "));

  step(7, "Stop the broker (SIGTERM drains in-flight requests, exits 0)");
  const code = await new Promise((resolve) => { broker.on("exit", resolve); broker.kill("SIGTERM"); });
  broker = undefined;
  console.log(`   exit code ${code}`);
  console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} catch (e) {
  console.error(`demo failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  broker?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
