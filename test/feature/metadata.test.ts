import { execFile } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { default as addFormatsModule } from "ajv-formats";
import { afterAll, describe, expect, it } from "vitest";
import { CONTAINER_SOCKET_PATH } from "#protocol/wire";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { ensureStagedClient, featureDir, featureTestDir, repoRoot } from "./feature-sandbox.ts";

// The feature's metadata, checked against the feature schema, by the devcontainers CLI
// itself (which needs no container engine to package), and against install.sh.
interface Option { type: "string" | "boolean"; default: string | boolean; proposals?: string[]; enum?: string[] }
interface FeatureJson { id: string; version: string; options: Record<string, Option>; containerEnv?: Record<string, string>; installsAfter?: string[]; postStartCommand?: string }

const metadataText = readFileSync(join(featureDir, "devcontainer-feature.json"), "utf8");
const metadata = JSON.parse(metadataText) as FeatureJson;
const tmp = makeTempDir("remo-feature-meta-");
afterAll(() => { tmp.cleanup(); });

function validator(): (data: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  // ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
  const addFormats = (addFormatsModule as unknown as { default: (a: Ajv) => Ajv }).default;
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, "test/feature/devcontainer-feature.schema.json"), "utf8")) as object);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`));
}

function devcontainerCli(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, "node_modules/@devcontainers/cli/devcontainer.js"), ...args], { cwd: tmp.path }, (error, stdout, stderr) => {
      resolve({ code: error ? (error as { code?: number }).code ?? 1 : 0, output: stdout + stderr });
    });
  });
}

describe("devcontainer-feature.json", () => {
  it("is valid against the feature schema", () => {
    expect(validator()(metadata)).toEqual([]);
  });

  it("the schema check fails on broken metadata (the check can fail)", () => {
    const broken = { ...metadata, options: { ...metadata.options, exportSecrets: { type: "string" } }, unknownKey: 1 };
    expect(validator()(broken).length).toBeGreaterThan(0);
  });

  it("has the id of its folder and a semver version", () => {
    expect(metadata.id).toBe("remo-secrets");
    expect(metadata.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("sets REMO_BROKER_SOCKET to the container socket path /run/remo-broker/sock", () => {
    expect(metadata.containerEnv).toEqual({ REMO_BROKER_SOCKET: CONTAINER_SOCKET_PATH });
    expect(metadata.options.socketPath?.default).toBe(CONTAINER_SOCKET_PATH);
  });

  it("mounts the project's socket directory by the workspace folder's name (the project name must equal it)", () => {
    expect((metadata as { mounts?: unknown }).mounts).toEqual([{ type: "bind", source: "/run/remo-broker/projects/${localWorkspaceFolderBasename}", target: "/run/remo-broker" }]);
  });

  it("names no other feature, so building needs no registry (install.sh finds or installs Node itself)", () => {
    const text = readFileSync(join(featureDir, "devcontainer-feature.json"), "utf8");
    expect({ installsAfter: metadata.installsAfter, dependsOn: (metadata as { dependsOn?: unknown }).dependsOn }).toEqual({ installsAfter: undefined, dependsOn: undefined });
    // No feature reference (an OCI ref such as <registry>/<namespace>/<feature>[:tag]) anywhere,
    // e.g. in an option default; a bare registry host as a proposal of dockerRegistries is data.
    expect(text).not.toMatch(/(?:ghcr\.io|mcr\.microsoft\.com)\/[\w.-]+\//);
  });

  it("has the same option defaults as install.sh", () => {
    const script = readFileSync(join(featureDir, "install.sh"), "utf8");
    const defaults: Record<string, string> = {};
    for (const m of script.matchAll(/^[A-Z_]+="\$\{([A-Z]+):-([^}]*)\}"$/gm)) defaults[m[1] ?? ""] = m[2] ?? "";
    expect(defaults).toEqual(Object.fromEntries(Object.entries(metadata.options).map(([k, o]) => [k.toUpperCase(), String(o.default)])));
  });

  it("every scenario has its script, and uses only declared options", () => {
    const scenarios = JSON.parse(readFileSync(join(featureTestDir, "scenarios.json"), "utf8")) as Record<string, { features: Record<string, Record<string, unknown>> }>;
    for (const [name, s] of Object.entries(scenarios)) {
      expect(existsSync(join(featureTestDir, `${name}.sh`)), `${name}.sh`).toBe(true);
      for (const option of Object.keys(s.features["remo-secrets"] ?? {})) expect(Object.keys(metadata.options)).toContain(option);
    }
    expect(existsSync(join(featureTestDir, "test.sh"))).toBe(true);
  });
});

describe("devcontainer features package (the real CLI, no container engine needed)", () => {
  it("packages the feature folder, self-contained with the bundled client", async () => {
    ensureStagedClient();
    const out = join(tmp.path, "out");
    const r = await devcontainerCli(["features", "package", join(repoRoot, "devcontainer-feature", "src"), "-o", out]);
    expect(r.output).toContain("Packaged 1 features!");
    expect(r.code).toBe(0);
    const collection = JSON.parse(readFileSync(join(out, "devcontainer-collection.json"), "utf8")) as { features: FeatureJson[] };
    expect(collection.features.map((f) => [f.id, f.version])).toEqual([["remo-secrets", metadata.version]]);
    const list = await new Promise<string>((resolve, reject) => {
      execFile("tar", ["tf", join(out, "devcontainer-feature-remo-secrets.tgz")], (e, stdout) => { if (e) reject(new Error(e.message)); else resolve(stdout); });
    });
    expect(list.split("\n").filter((l) => l !== "" && l !== "./").sort()).toEqual(["./NOTES.md", "./README.md", "./devcontainer-feature.json", "./docker-credential-remo", "./install.sh", "./remo-secrets.js"]);
  });

  it("refuses metadata without a version (the check can fail)", async () => {
    const src = join(tmp.path, "bad", "src");
    cpSync(featureDir, join(src, "remo-secrets"), { recursive: true });
    writeFileSync(join(src, "remo-secrets", "devcontainer-feature.json"), JSON.stringify({ ...metadata, version: undefined }));
    const r = await devcontainerCli(["features", "package", src, "-o", join(tmp.path, "bad-out")]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("missing one of the following required properties");
  });
});
