// devcontainer.json synthesis: pure, text in → text + report out. Edits keep comments, order and indentation.
import { applyEdits, getNodeValue, findNodeAtLocation, type Edit, type Node } from "jsonc-parser";
import { CodedError, CONTAINER_SOCKET_PATH, DEFAULT_RUNTIME_DIR, normalizeProjectName, projectNamePattern } from "#protocol";
import { brokerMountString, brokerSocketSource, classifyMount, containerMountTarget, legacySocketSource, parseMount } from "./broker-mount.ts";
import { chooseBaseImage, nodeFeatureId } from "./base-images.ts";
import { isRemoFeatureId, remoFeatureInImage, type ImageLookup } from "./image-metadata.ts";
import { appendEntry, detectStyle, parseJsonc, type TextStyle } from "./jsonc-edit.ts";
import { devcontainerSecretNamePattern, ensureSecretsBlock, unique, type RecommendedSecret } from "./secrets-block.ts";

export { isRemoFeatureId } from "./image-metadata.ts";

/** Why synthesis could not even start; the file is left as it was. */
export type DevcontainerErrorCode = "invalid_jsonc" | "not_an_object" | "bad_project_name" | "no_feature" | "root_config";

/** A synthesis error whose message says what to do. */
export class DevcontainerError extends CodedError<DevcontainerErrorCode> {
  constructor(code: DevcontainerErrorCode, message: string) {
    super("DevcontainerError", code, message);
  }
}

/** What {@link synthesizeDevcontainer} needs. */
export interface SynthesisInput {
  /** The current devcontainer.json text; undefined (or blank) to create one. */
  existing?: string;
  projectName: string;
  /** File names present in the project root (package.json, go.mod, …). */
  markers: string[];
  /** `./remo-secrets` when the feature folder is copied next to the file, else a published feature id. */
  featureRef: string;
  /** For Docker Compose configs: what a compose file already mounts at /run/remo-broker (the caller looked). */
  composeMount?: "ours" | "legacy";
  /** The broker's runtime directory on the node when it is not the default /run/remo-broker. */
  runtimeDir?: string;
  /** The manifest's names, listed in the standard `secrets` property (missing ones added, existing ones kept). */
  secrets?: readonly RecommendedSecret[];
  /**
   * What the caller found out about the image the file's "image" names (its devcontainer.metadata
   * label, read where the engine runs). Used only when `ref` is that "image" value.
   */
  image?: ImageLookup;
}

/**
 * The result: the new text, what changed, what the user must resolve, and hints that changed
 * nothing; `featureInImage` is the feature id found in the named image when synthesis relied on
 * it instead of listing the feature.
 */
export interface SynthesisResult { text: string; created: boolean; changes: string[]; conflicts: string[]; notes: string[]; featureInImage?: string }

/**
 * Adds the broker socket mount and the remo-secrets feature to a devcontainer.json, or
 * creates one from the project's language markers. Idempotent: running it on its own
 * output changes nothing. A conflicting mount is reported, never overwritten.
 * @throws DevcontainerError when the project name is invalid or the existing file does not parse as a JSONC object
 */
export function synthesizeDevcontainer(input: SynthesisInput): SynthesisResult {
  if (!projectNamePattern.test(input.projectName)) {
    const s = normalizeProjectName(input.projectName);
    throw new DevcontainerError("bad_project_name", `"${input.projectName}" is not a valid project name (1–64 lowercase letters, digits, '_' or '-'), so there is no broker socket to mount. `
      + (s === undefined ? "Rename the project folder." : `Rename the project folder to "${s}" and match the manifest's [project] name.`));
  }
  if (input.existing === undefined || input.existing.trim() === "") return createDevcontainer(input);
  return editDevcontainer(input.existing, input);
}

function createDevcontainer(input: SynthesisInput): SynthesisResult {
  const base = chooseBaseImage(input.markers);
  const features: Record<string, object> = base.hasNode ? {} : { [nodeFeatureId]: {} };
  const listed = unique(input.secrets ?? []).filter((s) => devcontainerSecretNamePattern.test(s.name));
  features[input.featureRef] = {};
  const body = {
    name: input.projectName,
    image: base.image,
    features,
    mounts: [brokerMountString(input.projectName, input.runtimeDir)],
    containerEnv: { REMO_BROKER_SOCKET: CONTAINER_SOCKET_PATH },
    ...(listed.length === 0 ? {} : { secrets: Object.fromEntries(listed.map((s) => [s.name, s.description === undefined ? {} : { description: s.description }])) }),
  };
  const text = [
    `// Dev container for ${input.projectName}, created by Remo Secrets ("Remo: Synthesize devcontainer.json").`,
    "// Edit freely: synthesizing again keeps your changes and only adds what is missing.",
    "// The mount brings this project's broker socket from the node into the container.",
    JSON.stringify(body, null, 2),
    "",
  ].join("\n");
  const changes = [
    `Created devcontainer.json for a ${base.language} project (image ${base.image}).`,
    ...(base.hasNode ? [] : [`Added the Node feature "${nodeFeatureId}": the remo-secrets client needs Node.js 20 or later.`]),
    `Added the feature "${input.featureRef}".`,
    `Mounted the broker socket directory ${brokerSocketSource(input.projectName, input.runtimeDir)} at ${containerMountTarget} (read-only).`,
    `Set containerEnv REMO_BROKER_SOCKET=${CONTAINER_SOCKET_PATH}.`,
    ...(listed.length === 0 ? [] : [`Added "secrets" listing ${listed.map((s) => s.name).join(", ")}, so tools that read devcontainer.json know the project needs them.`]),
  ];
  const skipped = unique(input.secrets ?? []).filter((s) => !devcontainerSecretNamePattern.test(s.name)).map((s) => s.name);
  const notes = skipped.length === 0 ? [] : [`Not listed in "secrets" (the dev container spec wants names that start with a letter or '_'): ${skipped.join(", ")}.`];
  return { text, created: true, changes, conflicts: [], notes };
}

function editDevcontainer(existing: string, input: SynthesisInput): SynthesisResult {
  const { root, errors } = parseJsonc(existing);
  const first = errors[0];
  if (first !== undefined) {
    throw new DevcontainerError("invalid_jsonc", `devcontainer.json does not parse (${first.message} at line ${first.line}, column ${first.column}). Fix it and synthesize again; nothing was changed.`);
  }
  if (root?.type !== "object") {
    throw new DevcontainerError("not_an_object", "devcontainer.json must hold one JSON object ({ … }). Fix it and synthesize again; nothing was changed.");
  }
  const style = detectStyle(existing);
  const changes: string[] = [];
  const conflicts: string[] = [];
  const notes: string[] = [];
  let text = existing;

  // Compose configs too: the devcontainer CLI applies devcontainer.json "mounts" to the
  // compose service through its own override file.
  const config = getNodeValue(root) as Record<string, unknown>;
  const service = typeof config.service === "string" ? config.service : "<service>";
  const runtimeDir = input.runtimeDir ?? DEFAULT_RUNTIME_DIR;
  if (config.dockerComposeFile !== undefined && input.composeMount === "ours") {
    notes.push(`The compose service "${service}" already mounts ${brokerSocketSource(input.projectName, runtimeDir)}; nothing added to "mounts".`);
  } else {
    if (config.dockerComposeFile !== undefined && input.composeMount === "legacy") {
      conflicts.push(`The compose service "${service}" mounts the old socket file ${legacySocketSource(input.projectName, runtimeDir)}, which a running container loses when the broker restarts. `
        + "Remove that line from the service's volumes: (devcontainer.json now mounts the socket directory) and rebuild the container.");
    }
    text = ensureMount(text, root, input.projectName, runtimeDir, style, changes, conflicts);
  }

  const edited = reparse(text);
  const named = typeof config.image === "string" ? config.image : undefined;
  // A lookup of the file's "image", or of the base image of the Dockerfile a build config uses.
  const image = appliesTo(input.image, named, config.dockerComposeFile !== undefined);
  const prebuilt = image === undefined ? undefined : remoFeatureInImage(image);
  const feature = ensureFeature(text, edited, input.featureRef, style, changes, notes, image, prebuilt);
  text = feature.text;
  if (input.secrets !== undefined) text = ensureSecretsBlock(text, reparse(text), input.secrets, style, changes, notes);
  // An image built with the feature has the Node the feature needed.
  if (prebuilt === undefined) notes.push(...nodeHints(reparse(text)));
  return { text, created: false, changes, conflicts, notes, ...(feature.relied && prebuilt !== undefined ? { featureInImage: prebuilt } : {}) };
}

function reparse(text: string): Node {
  const { root } = parseJsonc(text);
  if (root === undefined) throw new Error("edited devcontainer.json no longer parses");
  return root;
}

function ensureMount(text: string, root: Node, project: string, runtimeDir: string, style: TextStyle, changes: string[], conflicts: string[]): string {
  const mounts = findNodeAtLocation(root, ["mounts"]);
  const wanted = brokerMountString(project, runtimeDir);
  const where = `the broker socket directory ${brokerSocketSource(project, runtimeDir)} at ${containerMountTarget} (read-only)`;
  if (mounts === undefined) {
    changes.push(`Added "mounts" with ${where}.`);
    return appendEntry(text, [], "mounts", [wanted], style);
  }
  if (mounts.type !== "array") {
    conflicts.push(`"mounts" is not an array, so the broker socket mount cannot be added. Make it an array and add "${wanted}".`);
    return text;
  }
  let ours = false;
  const legacy: Node[] = [];
  const before = conflicts.length;
  for (const [i, item] of (mounts.children ?? []).entries()) {
    const spec = parseMount(getNodeValue(item));
    if (spec === undefined) continue;
    const match = classifyMount(spec, project, runtimeDir);
    if (match === "ours") ours = true;
    if (match === "legacy") legacy.push(item);
    if (match === "conflict") {
      conflicts.push(`mounts[${i}] already mounts ${spec.source ?? "something"} at ${spec.target ?? containerMountTarget}, but this project's socket directory is ${brokerSocketSource(project, runtimeDir)}. `
        + `Change that entry to "${wanted}" (or remove it) and synthesize again; it was left as it is.`);
    }
  }
  if (conflicts.length > before) return text;
  if (legacy.length > 0) return replaceLegacy(text, legacy, ours ? undefined : wanted, project, runtimeDir, changes);
  if (ours) return text;
  changes.push(`Mounted ${where} (appended to "mounts").`);
  return appendEntry(text, ["mounts"], undefined, wanted, style);
}

/**
 * Replaces this project's old socket-file mounts in place (same position, same form):
 * the first becomes the directory mount (unless one is already there), any others are
 * dropped with their separating comma.
 */
function replaceLegacy(text: string, items: Node[], wanted: string | undefined, project: string, runtimeDir: string, changes: string[]): string {
  const edits: Edit[] = [];
  items.forEach((item, i) => {
    if (i === 0 && wanted !== undefined) {
      if (item.type === "string") {
        edits.push({ offset: item.offset, length: item.length, content: JSON.stringify(wanted) });
      } else {
        for (const [key, value] of [["source", brokerSocketSource(project, runtimeDir)], ["target", containerMountTarget]] as const) {
          const node = findNodeAtLocation(item, [key]);
          if (node !== undefined) edits.push({ offset: node.offset, length: node.length, content: JSON.stringify(value) });
        }
      }
      return;
    }
    edits.push(removalEdit(text, item));
  });
  changes.push(`Replaced the socket-file mount ${legacySocketSource(project, runtimeDir)} → ${CONTAINER_SOCKET_PATH} with ${wanted === undefined ? "the directory mount already listed" : `the socket directory ${brokerSocketSource(project, runtimeDir)} at ${containerMountTarget}`}: a mounted socket file goes stale when the broker restarts.`);
  return applyEdits(text, edits);
}

/** An edit that removes an array item and the comma after it (or before it, for the last one). */
function removalEdit(text: string, item: Node): Edit {
  const end = item.offset + item.length;
  const after = /^\s*,/.exec(text.slice(end));
  if (after !== null) return { offset: item.offset, length: end + after[0].length - item.offset, content: "" };
  const before = /,\s*$/.exec(text.slice(0, item.offset));
  const start = before === null ? item.offset : item.offset - before[0].length;
  return { offset: start, length: end - start, content: "" };
}

/**
 * Lists the feature unless the file or the image it names already has it. An image prebuilt
 * with the feature (`devcontainer build --image-name`) holds the client and REMO_BROKER_SOCKET,
 * and its label the postStartCommand the CLI merges on `up`; listing the feature again would
 * make `up` build a new image on top of it.
 */
function ensureFeature(text: string, root: Node, featureRef: string, style: TextStyle, changes: string[], notes: string[], image: ImageLookup | undefined, prebuilt: string | undefined): { text: string; relied: boolean } {
  const features = findNodeAtLocation(root, ["features"]);
  if (features !== undefined && features.type !== "object") {
    notes.push(`"features" is not an object, so the feature "${featureRef}" was not added. Make it an object and synthesize again.`);
    return { text, relied: false };
  }
  const ids = features === undefined ? [] : Object.keys(getNodeValue(features) as Record<string, unknown>);
  const present = ids.find(isRemoFeatureId);
  if (present !== undefined) {
    if (present !== featureRef) notes.push(`The remo-secrets feature is already listed as "${present}"; kept it.`);
    return { text, relied: false };
  }
  const which = image === undefined ? "" : `the image ${image.ref}${imageSource(image)}`;
  if (prebuilt !== undefined && image !== undefined) {
    notes.push(`${capitalize(which)} already has the remo-secrets feature ("${prebuilt}" in its devcontainer.metadata label); not adding it.`);
    return { text, relied: true };
  }
  if (image !== undefined && "reason" in image) {
    // Without a Dockerfile to name, a compose service's image is one it runs, not builds on.
    const untold = image.from !== undefined ? `${image.from} builds on` : image.service === undefined ? "the Dockerfile builds on" : `the compose service "${image.service}" runs`;
    notes.push(image.ref === ""
      ? `Could not tell which image ${untold} (${image.reason}), so the feature was added as for any image.`
      : `Could not inspect ${which} (${image.reason}), so the feature was added as for any image. If that image was built with the remo-secrets feature, remove "${featureRef}" from "features" to keep devcontainer up from building.`);
  }
  changes.push(`Added the feature "${featureRef}".`);
  const added = features === undefined ? appendEntry(text, [], "features", { [featureRef]: {} }, style) : appendEntry(text, ["features"], featureRef, {}, style);
  return { text: added, relied: false };
}

/** The remo-secrets client runs on Node.js ≥ 20; say so when nothing in the file seems to provide it. */
function nodeHints(root: Node): string[] {
  const v = getNodeValue(root) as { image?: unknown; features?: unknown };
  const image = typeof v.image === "string" ? v.image : "";
  const features = typeof v.features === "object" && v.features !== null ? Object.keys(v.features) : [];
  const hasNode = /node/i.test(image) || features.some((f) => /(^|\/)node(:|$)/.test(f));
  return hasNode ? [] : [`The remo-secrets client needs Node.js 20 or later in the container. If the image lacks it, add the feature "${nodeFeatureId}".`];
}

/** `lookup` when it describes this configuration's image: its "image", its Dockerfile's base, or its compose service's image. */
function appliesTo(lookup: ImageLookup | undefined, named: string | undefined, isCompose: boolean): ImageLookup | undefined {
  if (lookup === undefined) return undefined;
  if (isCompose) return lookup.service !== undefined ? lookup : undefined;
  if (lookup.service !== undefined) return undefined;
  if (lookup.from === undefined) return lookup.ref === named ? lookup : undefined;
  return named === undefined ? lookup : undefined;
}

/** How a note names where the image came from: nothing for the file's own "image". */
function imageSource(image: ImageLookup): string {
  if (image.service === undefined) return image.from === undefined ? "" : ` (the base of ${image.from})`;
  return image.from === undefined ? ` (the compose service "${image.service}" runs it)` : ` (the base of ${image.from}, which the compose service "${image.service}" builds)`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
