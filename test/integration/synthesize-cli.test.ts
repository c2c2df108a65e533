// `node dist/remo-secrets-synthesize.js <folder>` as scripts use it, checked with the devcontainer CLI's read-configuration.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "jsonc-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/broker-process.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { devcontainerSchemaErrors } from "../unit/extension/devcontainer-schema.ts";

const run = promisify(execFile);
const cli = join(repoRoot, "dist", "remo-secrets-synthesize.js");
const devcontainerCli = join(repoRoot, "node_modules", ".bin", "devcontainer");
const fixtures = join(repoRoot, "test", "fixtures", "devcontainer");
let tmp: ReturnType<typeof makeTempDir>;
let fakeDocker: string;

async function synthesize(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [cli, ...args], { encoding: "utf8" });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The configuration `devcontainer read-configuration` reads from a workspace folder. */
async function readConfiguration(folder: string): Promise<Record<string, unknown>> {
  const r = await run(devcontainerCli, ["read-configuration", "--workspace-folder", folder, "--docker-path", fakeDocker], { encoding: "utf8" });
  const out = JSON.parse(r.stdout) as { configuration: Record<string, unknown> };
  // configFilePath is the CLI's own bookkeeping, not part of the file.
  return Object.fromEntries(Object.entries(out.configuration).filter(([k]) => k !== "configFilePath"));
}

function workspace(name: string, files: Record<string, string> = {}): string {
  const dir = join(tmp.path, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

beforeAll(() => {
  tmp = makeTempDir("remo-synth-cli-");
  // No container engine here: read-configuration only runs `docker ps` to look for an existing
  // container, so a stand-in that lists none lets the real configuration reader run.
  fakeDocker = join(tmp.path, "docker-none");
  writeFileSync(fakeDocker, "#!/bin/sh\n# stands in for `docker ps`: there are no containers on this machine\nexit 0\n", { mode: 0o755 });
});

afterAll(() => { tmp.cleanup(); });

describe("remo-secrets-synthesize CLI", () => {
  it("creates devcontainer.json for a Node project, copies the feature, and is idempotent", async () => {
    const ws = workspace("webapp", { "package.json": "{}\n", ".devcontainer/remo-broker.toml": "schema_version = 1\n[project]\nname = \"webapp\"\n[allowlist]\nsecrets = []\n" });
    const first = await synthesize([ws]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe([
      "Created .devcontainer/devcontainer.json for project webapp:",
      "  + Created devcontainer.json for a Node.js project (image mcr.microsoft.com/devcontainers/javascript-node:20).",
      "  + Added the feature \"./remo-secrets\".",
      "  + Mounted the broker socket directory /run/remo-broker/projects/webapp at /run/remo-broker (read-only).",
      "  + Set containerEnv REMO_BROKER_SOCKET=/run/remo-broker/sock.",
      "  + Copied the remo-secrets feature into .devcontainer/remo-secrets.",
      "",
    ].join("\n"));
    const file = join(ws, ".devcontainer", "devcontainer.json");
    const text = readFileSync(file, "utf8");
    expect(devcontainerSchemaErrors(text)).toEqual([]);
    const feature = join(ws, ".devcontainer", "remo-secrets");
    expect(readdirSync(feature).sort()).toEqual(readdirSync(join(repoRoot, "devcontainer-feature", "src", "remo-secrets")).sort());
    expect(await readConfiguration(ws)).toEqual(parse(text));

    const mtime = statSync(file).mtimeMs;
    const second = await synthesize([ws]);
    expect(second).toEqual({ code: 0, stdout: ".devcontainer/devcontainer.json is already set up for project webapp; nothing changed.\n", stderr: "" });
    expect(readFileSync(file, "utf8")).toBe(text);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it("references a published feature without copying anything", async () => {
    const ws = workspace("gosvc", { "go.mod": "module x\n" });
    const r = await synthesize(["--feature-id", "ghcr.io/acme/features/remo-secrets:1", ws]);
    expect(r.code, r.stderr).toBe(0);
    const config = parse(readFileSync(join(ws, ".devcontainer", "devcontainer.json"), "utf8")) as { features: Record<string, unknown> };
    expect(Object.keys(config.features)).toEqual(["ghcr.io/devcontainers/features/node:1", "ghcr.io/acme/features/remo-secrets:1"]);
    expect(existsSync(join(ws, ".devcontainer", "remo-secrets"))).toBe(false);
  });

  it("exits 1 on a conflicting mount, leaving it, but still adds the feature", async () => {
    const ws = workspace("myrepo");
    cpSync(join(fixtures, "conflicting-mount-string.before.jsonc"), join(ws, ".devcontainer", "devcontainer.json"));
    const r = await synthesize([ws]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Left for you to resolve in .devcontainer/devcontainer.json:\n  ! mounts[0] already mounts /run/remo-broker/otherrepo.sock at /run/remo-broker/sock");
    const text = readFileSync(join(ws, ".devcontainer", "devcontainer.json"), "utf8");
    expect(text).toContain("source=/run/remo-broker/otherrepo.sock");
    expect(text).toContain("\"./remo-secrets\": {}");
  });

  it("changes nothing and exits 2 when devcontainer.json does not parse", async () => {
    const ws = workspace("broken", { ".devcontainer/devcontainer.json": "{\n  \"image\": \"x\"\n  \"mounts\": []\n}\n" });
    const r = await synthesize([ws]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: "remo-secrets-synthesize: devcontainer.json does not parse (CommaExpected at line 3, column 3). Fix it and synthesize again; nothing was changed.\n" });
    expect(readFileSync(join(ws, ".devcontainer", "devcontainer.json"), "utf8")).toBe("{\n  \"image\": \"x\"\n  \"mounts\": []\n}\n");
    expect(existsSync(join(ws, ".devcontainer", "remo-secrets"))).toBe(false);
  });

  it("lists the manifest's names in the standard secrets block, keeping the entries and comments already there", async () => {
    const existing = "{\n  \"image\": \"mcr.microsoft.com/devcontainers/javascript-node:20\",\n  // asked for by the team\n  \"secrets\": {\n    \"GITHUB_TOKEN\": { \"description\": \"A PAT with repo scope\" } // ours\n  }\n}\n";
    const ws = workspace("api", { ".devcontainer/devcontainer.json": existing, ".devcontainer/remo-broker.toml": "schema_version = 1\n[project]\nname = \"api\"\n[allowlist]\nsecrets = [\"GITHUB_TOKEN\", \"NPM_TOKEN\"]\n" });
    const first = await synthesize([ws]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("  + Listed NPM_TOKEN in \"secrets\".\n");
    const text = readFileSync(join(ws, ".devcontainer", "devcontainer.json"), "utf8");
    expect(text).toContain("// asked for by the team");
    expect(text).toContain("// ours");
    expect(devcontainerSchemaErrors(text)).toEqual([]);
    const config = await readConfiguration(ws) as { secrets?: unknown };
    expect(config.secrets).toEqual({
      GITHUB_TOKEN: { description: "A PAT with repo scope" },
      NPM_TOKEN: { description: "Allowlisted for api in .devcontainer/remo-broker.toml; Remo Secrets delivers it from your laptop to the container (remo-secrets get NPM_TOKEN)." },
    });
    expect((await synthesize([ws])).stdout).toBe(".devcontainer/devcontainer.json is already set up for project api; nothing changed.\n");
  });

  it("adds the directory mount to a compose project's devcontainer.json", async () => {
    const ws = workspace("composed", {
      "docker-compose.yml": "services:\n  app:\n    image: x\n",
      ".devcontainer/devcontainer.json": "{\n  \"dockerComposeFile\": \"../docker-compose.yml\",\n  \"service\": \"app\",\n  \"workspaceFolder\": \"/w\"\n}\n",
    });
    const r = await synthesize([ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readConfiguration(ws)).toMatchObject({
      features: { "./remo-secrets": {} },
      mounts: ["source=/run/remo-broker/projects/composed,target=/run/remo-broker,type=bind,readonly"],
    });
  });

  it("mounts the node broker's --runtime-dir when given, and refuses a relative one", async () => {
    const ws = workspace("elsewhere", { "go.mod": "module x\n" });
    const r = await synthesize(["--runtime-dir", "/srv/remo/run", ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Mounted the broker socket directory /srv/remo/run/projects/elsewhere at /run/remo-broker (read-only).");
    expect((await synthesize(["--runtime-dir", "run", ws])).stderr).toContain("--runtime-dir needs an absolute path");
  });

  it("leaves the feature out for an image the --docker-path engine says was built with it", async () => {
    const engine = join(tmp.path, "engine-prebuilt");
    const label = JSON.stringify({ "devcontainer.metadata": JSON.stringify([{ id: "ghcr.io/acme/features/remo-secrets:1" }]) });
    writeFileSync(engine, `#!/bin/sh\n# stands in for \`podman image inspect\`: every image has the feature\nprintf '%s\\n' '${label}'\n`, { mode: 0o755 });
    const ws = workspace("prebuilt", { ".devcontainer/devcontainer.json": "{ \"image\": \"localhost/dev:1\" }\n" });
    const r = await synthesize(["--docker-path", engine, ws]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toContain("  i The image localhost/dev:1 already has the remo-secrets feature (\"ghcr.io/acme/features/remo-secrets:1\" in its devcontainer.metadata label); not adding it.\n");
    expect(await readConfiguration(ws)).toEqual({ image: "localhost/dev:1", mounts: ["source=/run/remo-broker/projects/prebuilt,target=/run/remo-broker,type=bind,readonly"] });
    expect(existsSync(join(ws, ".devcontainer", "remo-secrets"))).toBe(false);
    expect((await synthesize(["--docker-path", engine, ws])).stdout).toBe(".devcontainer/devcontainer.json is already set up for project prebuilt; nothing changed.\n  i The image localhost/dev:1 already has the remo-secrets feature (\"ghcr.io/acme/features/remo-secrets:1\" in its devcontainer.metadata label); not adding it.\n");
    expect((await synthesize(["--docker-path", "", ws])).stderr).toContain("--docker-path needs the engine command");
  });

  it("explains bad usage", async () => {
    expect((await synthesize([])).code).toBe(2);
    expect((await synthesize(["--bogus", "x"])).stderr).toContain("unknown option --bogus");
    expect((await synthesize([join(tmp.path, "nope")])).stderr).toContain("does not exist");
  });

  it("every golden result is read by devcontainer read-configuration as jsonc-parser reads it", async () => {
    const afters = readdirSync(fixtures).filter((f) => f.endsWith(".after.jsonc"));
    expect(afters.length).toBeGreaterThanOrEqual(10);
    for (const f of afters) {
      const ws = workspace(`golden-${f}`);
      cpSync(join(fixtures, f), join(ws, ".devcontainer", "devcontainer.json"));
      // read-configuration substitutes ${…} variables; do the same for the two the fixtures use.
      const text = readFileSync(join(fixtures, f), "utf8").replaceAll("${localWorkspaceFolderBasename}", `golden-${f}`).replaceAll("${localEnv:HOME}", process.env.HOME ?? "");
      const expected = parse(text, [], { allowTrailingComma: true }) as Record<string, unknown>;
      expect(await readConfiguration(ws), f).toEqual(expected);
    }
  });
});
