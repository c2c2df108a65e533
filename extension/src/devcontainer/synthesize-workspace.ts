// Synthesis over a workspace folder through an injected file system (vscode.workspace.fs in the
// extension, node:fs in the CLI): reads the manifest and markers, edits or creates the file, copies the feature.
import { posix } from "node:path";
import { MANIFEST_PATHS, parseManifest, projectNamePattern, secretNamePattern } from "#protocol";
import { languageMarkers } from "./base-images.ts";
import { brokerSocketSource, containerMountTarget, legacySocketSource } from "./broker-mount.ts";
import { composeServiceImage, type ComposeFile } from "./compose-service.ts";
import { dockerfileBaseImage, type DockerfileBuild } from "./dockerfile-base.ts";
import { DevcontainerError, isRemoFeatureId, synthesizeDevcontainer } from "./synthesize.ts";
import type { ImageLookup } from "./image-metadata.ts";
import { parseJsonc } from "./jsonc-edit.ts";
import { describeSecret, type RecommendedSecret } from "./secrets-block.ts";
import { getNodeValue } from "jsonc-parser";

/** The file operations synthesis needs; paths are absolute POSIX paths (a vscode Uri's `.path`). */
export interface WorkspaceFs {
  /** The file's bytes, or undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Entry names in a folder ([] when it does not exist). */
  readDirectory(path: string): Promise<string[]>;
  /** Copies a folder tree; without it, the feature's files are copied one by one. */
  copyDirectory?(from: string, to: string): Promise<void>;
}

/** Options for {@link synthesizeWorkspace}. */
export interface SynthesizeWorkspaceOptions {
  /** A local feature folder to copy to .devcontainer/remo-secrets (referenced as ./remo-secrets). */
  featureSource?: string;
  /** A published feature id to reference instead of copying. */
  featureRef?: string;
  /** Write the result (default false: a dry run for a diff). */
  write?: boolean;
  /** The node broker's runtime directory when it is not /run/remo-broker (`remo-broker serve --runtime-dir`). */
  runtimeDir?: string;
  /**
   * Reads the labels of the image an existing file's "image" names, or the base image of the
   * Dockerfile its "build" uses, where the engine runs (never rejects: a failure is a lookup with
   * a reason). Without it, images are not looked at.
   */
  inspectImage?: (ref: string) => Promise<ImageLookup>;
}

/** What synthesis did or would do. */
export interface SynthesizeWorkspaceResult {
  path: string;
  before?: string;
  after: string;
  changes: string[];
  conflicts: string[];
  notes: string[];
  projectName: string;
  created: boolean;
}

const localFeatureFolder = "remo-secrets";
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Synthesizes `<folder>/.devcontainer/devcontainer.json` for the folder's project (the
 * manifest's name, else the folder's name), copying the feature folder when one is given.
 * Idempotent; conflicts are reported and never overwritten.
 * @throws DevcontainerError when the file cannot be edited safely or no feature is given
 */
export async function synthesizeWorkspace(folder: string, fs: WorkspaceFs, opts: SynthesizeWorkspaceOptions): Promise<SynthesizeWorkspaceResult> {
  const devcontainerDir = posix.join(folder, ".devcontainer");
  const path = posix.join(devcontainerDir, "devcontainer.json");
  const manifest = await manifestOf(folder, fs);
  const projectName = manifest.projectName;
  const featureRef = opts.featureRef ?? (opts.featureSource === undefined ? undefined : `./${localFeatureFolder}`);
  if (featureRef === undefined) {
    throw new DevcontainerError("no_feature", "No remo-secrets feature to add: give the bundled feature folder or set a published feature id (remo.devcontainer.featureId).");
  }
  const beforeBytes = await fs.readFile(path);
  const before = beforeBytes === undefined ? undefined : decoder.decode(beforeBytes);
  if (before === undefined && await fs.readFile(posix.join(folder, ".devcontainer.json")) !== undefined) {
    throw new DevcontainerError("root_config", "This project keeps its configuration in .devcontainer.json at the root. Move it to .devcontainer/devcontainer.json and synthesize again, so there is only one configuration.");
  }
  const markers = (await fs.readDirectory(folder)).filter((n) => languageMarkers.includes(n));
  const config = before === undefined ? undefined : configOf(before);
  // Read once: both what the compose files mount and which image their service runs come from them.
  const composeFiles = config === undefined ? [] : await readComposeFiles(config.dockerComposeFile, devcontainerDir, fs);
  const composeMount = composeMountOf(composeFiles, projectName, opts.runtimeDir);
  const image = config === undefined || opts.inspectImage === undefined ? undefined : await lookUpImage(config, composeFiles, devcontainerDir, fs, opts.inspectImage);
  const result = synthesizeDevcontainer({
    ...(before === undefined ? {} : { existing: before }),
    projectName, markers, featureRef,
    ...(composeMount === undefined ? {} : { composeMount }),
    ...(opts.runtimeDir === undefined ? {} : { runtimeDir: opts.runtimeDir }),
    ...(manifest.secrets === undefined ? {} : { secrets: manifest.secrets }),
    ...(image === undefined ? {} : { image }),
  });
  const changes = [...result.changes];
  // An image that already has the feature needs no copy of it next to the file.
  if (opts.featureRef === undefined && opts.featureSource !== undefined && result.featureInImage === undefined) {
    const copied = await syncFeature(opts.featureSource, posix.join(devcontainerDir, localFeatureFolder), fs, opts.write === true);
    if (copied !== undefined) changes.push(copied);
  }
  if (opts.write === true && result.text !== before) await fs.writeFile(path, encoder.encode(result.text));
  return {
    path,
    ...(before === undefined ? {} : { before }),
    after: result.text,
    changes,
    conflicts: result.conflicts,
    notes: result.notes,
    projectName,
    created: result.created,
  };
}

/** The project name (the manifest's, else the folder's) and, when a manifest parses, its names for the `secrets` block. */
async function manifestOf(folder: string, fs: WorkspaceFs): Promise<{ projectName: string; secrets?: RecommendedSecret[] }> {
  for (const rel of MANIFEST_PATHS) {
    const bytes = await fs.readFile(posix.join(folder, rel));
    if (bytes === undefined) continue;
    const value = parseManifest(decoder.decode(bytes)).value as { project?: { name?: unknown }; allowlist?: { secrets?: unknown } } | undefined;
    const name = value?.project?.name;
    if (typeof name !== "string" || !projectNamePattern.test(name)) break;
    const list = value?.allowlist?.secrets;
    const names = Array.isArray(list) ? list.filter((n): n is string => typeof n === "string" && secretNamePattern.test(n)) : [];
    return { projectName: name, secrets: names.map((n) => ({ name: n, description: describeSecret(n, name, rel) })) };
  }
  return { projectName: posix.basename(folder) };
}

/**
 * The lookup of the image whose label decides whether the feature is already there: the file's
 * "image", the base image of the Dockerfile its "build" uses (that image's label is inherited by
 * what the CLI builds on it), or for a compose configuration the image its service runs or the
 * base of the Dockerfile that service builds. Undefined when the file lists the feature already
 * (nothing to decide).
 */
async function lookUpImage(config: ConfigFields, composeFiles: readonly ComposeFile[], devcontainerDir: string, fs: WorkspaceFs, inspect: (ref: string) => Promise<ImageLookup>): Promise<ImageLookup | undefined> {
  const features = typeof config.features === "object" && config.features !== null ? Object.keys(config.features) : [];
  if (features.some(isRemoFeatureId)) return undefined;
  if (config.dockerComposeFile !== undefined) return await lookUpComposeImage(composeFiles, config.service, devcontainerDir, fs, inspect);
  if (typeof config.image === "string") return await inspect(config.image);
  const build = typeof config.build === "object" && config.build !== null ? config.build as { dockerfile?: unknown; target?: unknown; args?: unknown } : {};
  const dockerfile = typeof build.dockerfile === "string" ? build.dockerfile : typeof config.dockerFile === "string" ? config.dockerFile : undefined;
  if (dockerfile === undefined) return undefined;
  const args = typeof build.args === "object" && build.args !== null
    ? Object.fromEntries(Object.entries(build.args).filter((e): e is [string, string] => typeof e[1] === "string"))
    : undefined;
  return await lookUpDockerfileBase(posix.resolve(devcontainerDir, dockerfile), dockerfile, { ...(typeof build.target === "string" ? { target: build.target } : {}), ...(args === undefined ? {} : { args }) }, fs, inspect);
}

/** The base image of the Dockerfile at `path` (`shown` as the user wrote it), inspected. */
async function lookUpDockerfileBase(path: string, shown: string, build: DockerfileBuild, fs: WorkspaceFs, inspect: (ref: string) => Promise<ImageLookup>, service?: string): Promise<ImageLookup> {
  const source = { from: shown, ...(service === undefined ? {} : { service }) };
  const bytes = await fs.readFile(path);
  if (bytes === undefined) return { ref: "", reason: "the file is not there", ...source };
  const base = dockerfileBaseImage(decoder.decode(bytes), build);
  if ("reason" in base) return { ref: "", reason: base.reason, ...source };
  return { ...(await inspect(base.ref)), ...source };
}

/** The image a compose configuration's service runs (or builds on), inspected; a reason in `ref: ""` when the files do not tell. */
async function lookUpComposeImage(files: readonly ComposeFile[], service: unknown, devcontainerDir: string, fs: WorkspaceFs, inspect: (ref: string) => Promise<ImageLookup>): Promise<ImageLookup | undefined> {
  if (typeof service !== "string") return undefined;
  const made = composeServiceImage(files, service);
  if ("reason" in made) return { ref: "", reason: made.reason, service };
  if ("image" in made) return { ...(await inspect(made.image)), service };
  const shown = posix.relative(devcontainerDir, made.build.dockerfile) || made.build.dockerfile;
  return await lookUpDockerfileBase(made.build.dockerfile, shown, { ...(made.build.target === undefined ? {} : { target: made.build.target }), args: made.build.args }, fs, inspect, service);
}

/** The fields of devcontainer.json synthesis looks at before editing it; undefined when it is not a JSON object. */
interface ConfigFields { image?: unknown; features?: unknown; build?: unknown; dockerFile?: unknown; dockerComposeFile?: unknown; service?: unknown }

function configOf(text: string): ConfigFields | undefined {
  const { root } = parseJsonc(text);
  return root?.type === "object" ? getNodeValue(root) as ConfigFields : undefined;
}

/** The compose files `dockerComposeFile` lists (relative to .devcontainer), in order; those that cannot be read are left out. */
async function readComposeFiles(files: unknown, devcontainerDir: string, fs: WorkspaceFs): Promise<ComposeFile[]> {
  const list = typeof files === "string" ? [files] : Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [];
  const read: ComposeFile[] = [];
  for (const f of list) {
    const path = posix.resolve(devcontainerDir, f);
    const bytes = await fs.readFile(path);
    if (bytes !== undefined) read.push({ path, text: decoder.decode(bytes) });
  }
  return read;
}

/** What a compose file of the config already mounts for this project: the socket directory, the old socket file, or nothing. */
function composeMountOf(files: readonly ComposeFile[], projectName: string, runtimeDir: string | undefined): "ours" | "legacy" | undefined {
  let found: "ours" | "legacy" | undefined;
  for (const { text: compose } of files) {
    // A line-level look, not a YAML parse: enough to tell the user which line to remove.
    if (compose.includes(legacySocketSource(projectName, runtimeDir))) return "legacy";
    if (new RegExp(`${escape(brokerSocketSource(projectName, runtimeDir))}/?:${escape(containerMountTarget)}(:ro)?["']?\\s*$`, "m").test(compose)) found = "ours";
  }
  return found;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Copies the feature folder when it is missing or differs; returns what changed (undefined: already current). */
async function syncFeature(from: string, to: string, fs: WorkspaceFs, write: boolean): Promise<string | undefined> {
  const names = await fs.readDirectory(from);
  if (!names.includes("devcontainer-feature.json") || !names.includes("install.sh")) {
    throw new DevcontainerError("no_feature", `The remo-secrets feature folder ${from} is incomplete (needs devcontainer-feature.json and install.sh). Rebuild with "npm run build" or reinstall the extension.`);
  }
  const existing = new Set(await fs.readDirectory(to));
  let differs = false;
  const files: [string, Uint8Array][] = [];
  for (const name of names) {
    const data = await fs.readFile(posix.join(from, name)).catch(() => undefined);
    if (data === undefined) continue; // a sub-folder (readFile fails on it) or vanished
    files.push([name, data]);
    if (!existing.has(name)) { differs = true; continue; }
    const current = await fs.readFile(posix.join(to, name)).catch(() => undefined);
    if (current === undefined || !sameBytes(current, data)) differs = true;
  }
  if (!differs) return undefined;
  if (write) {
    if (fs.copyDirectory !== undefined) await fs.copyDirectory(from, to);
    else for (const [name, data] of files) await fs.writeFile(posix.join(to, name), data);
  }
  return `${existing.size === 0 ? "Copied" : "Updated"} the remo-secrets feature into .devcontainer/${localFeatureFolder}.`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
