// devcontainer.json synthesis (DESIGN §6): pure, text in → text + report out. Edits keep comments, order and indentation.
import { getNodeValue, findNodeAtLocation, type Node } from "jsonc-parser";
import { CodedError, CONTAINER_SOCKET_PATH, normalizeProjectName, projectNamePattern } from "#protocol";
import { brokerMountString, brokerSocketSource, classifyMount, parseMount } from "./broker-mount.ts";
import { chooseBaseImage, nodeFeatureId } from "./base-images.ts";
import { appendEntry, detectStyle, parseJsonc, type TextStyle } from "./jsonc-edit.ts";

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
  /** For Docker Compose configs: true when a compose file already mounts the socket (the caller looked). */
  composeHasMount?: boolean;
}

/** The result: the new text, what changed, what the user must resolve, and hints that changed nothing. */
export interface SynthesisResult { text: string; created: boolean; changes: string[]; conflicts: string[]; notes: string[] }

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
  features[input.featureRef] = {};
  const body = {
    name: input.projectName,
    image: base.image,
    features,
    mounts: [brokerMountString(input.projectName)],
    containerEnv: { REMO_BROKER_SOCKET: CONTAINER_SOCKET_PATH },
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
    `Mounted the broker socket ${brokerSocketSource(input.projectName)} at ${CONTAINER_SOCKET_PATH}.`,
    `Set containerEnv REMO_BROKER_SOCKET=${CONTAINER_SOCKET_PATH}.`,
  ];
  return { text, created: true, changes, conflicts: [], notes: [] };
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

  const compose = getNodeValue(root) as Record<string, unknown>;
  if (compose.dockerComposeFile !== undefined) {
    const service = typeof compose.service === "string" ? compose.service : "<service>";
    if (input.composeHasMount !== true) {
      conflicts.push(`This configuration uses Docker Compose, so the broker socket must be mounted by the compose service "${service}", not by devcontainer.json. `
        + `Add "- ${brokerSocketSource(input.projectName)}:${CONTAINER_SOCKET_PATH}" under that service's volumes: and synthesize again.`);
    }
  } else {
    text = ensureMount(text, root, input.projectName, style, changes, conflicts);
  }

  const edited = reparse(text);
  text = ensureFeature(text, edited, input.featureRef, style, changes, notes);
  notes.push(...nodeHints(reparse(text)));
  return { text, created: false, changes, conflicts, notes };
}

function reparse(text: string): Node {
  const { root } = parseJsonc(text);
  if (root === undefined) throw new Error("edited devcontainer.json no longer parses");
  return root;
}

function ensureMount(text: string, root: Node, project: string, style: TextStyle, changes: string[], conflicts: string[]): string {
  const mounts = findNodeAtLocation(root, ["mounts"]);
  const wanted = brokerMountString(project);
  if (mounts === undefined) {
    changes.push(`Added "mounts" with the broker socket ${brokerSocketSource(project)} at ${CONTAINER_SOCKET_PATH}.`);
    return appendEntry(text, [], "mounts", [wanted], style);
  }
  if (mounts.type !== "array") {
    conflicts.push(`"mounts" is not an array, so the broker socket mount cannot be added. Make it an array and add "${wanted}".`);
    return text;
  }
  let ours = false;
  for (const [i, item] of (mounts.children ?? []).entries()) {
    const spec = parseMount(getNodeValue(item));
    if (spec === undefined) continue;
    const match = classifyMount(spec, project);
    if (match === "ours") ours = true;
    if (match === "conflict") {
      conflicts.push(`mounts[${i}] already mounts ${spec.source ?? "something"} at ${CONTAINER_SOCKET_PATH}, but this project's socket is ${brokerSocketSource(project)}. `
        + `Change that entry to "${wanted}" (or remove it) and synthesize again; it was left as it is.`);
    }
  }
  if (ours || conflicts.length > 0) return text;
  changes.push(`Mounted the broker socket ${brokerSocketSource(project)} at ${CONTAINER_SOCKET_PATH} (appended to "mounts").`);
  return appendEntry(text, ["mounts"], undefined, wanted, style);
}

/** True for a feature id that is this project's feature, local or published, in any version. */
export function isRemoFeatureId(id: string): boolean {
  const withoutVersion = id.replace(/(@sha256:[0-9a-f]+|:[^/:]*)$/i, "");
  return /(^|\/)remo-secrets$/.test(withoutVersion);
}

function ensureFeature(text: string, root: Node, featureRef: string, style: TextStyle, changes: string[], notes: string[]): string {
  const features = findNodeAtLocation(root, ["features"]);
  if (features !== undefined && features.type !== "object") {
    notes.push(`"features" is not an object, so the feature "${featureRef}" was not added. Make it an object and synthesize again.`);
    return text;
  }
  const ids = features === undefined ? [] : Object.keys(getNodeValue(features) as Record<string, unknown>);
  const present = ids.find(isRemoFeatureId);
  if (present !== undefined) {
    if (present !== featureRef) notes.push(`The remo-secrets feature is already listed as "${present}"; kept it.`);
    return text;
  }
  changes.push(`Added the feature "${featureRef}".`);
  return features === undefined ? appendEntry(text, [], "features", { [featureRef]: {} }, style) : appendEntry(text, ["features"], featureRef, {}, style);
}

/** The remo-secrets client runs on Node.js ≥ 20; say so when nothing in the file seems to provide it. */
function nodeHints(root: Node): string[] {
  const v = getNodeValue(root) as { image?: unknown; features?: unknown };
  const image = typeof v.image === "string" ? v.image : "";
  const features = typeof v.features === "object" && v.features !== null ? Object.keys(v.features) : [];
  const hasNode = /node/i.test(image) || features.some((f) => /(^|\/)node(:|$)/.test(f));
  return hasNode ? [] : [`The remo-secrets client needs Node.js 20 or later in the container. If the image lacks it, add the feature "${nodeFeatureId}".`];
}
