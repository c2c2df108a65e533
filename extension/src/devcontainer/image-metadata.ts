// What an image's `devcontainer.metadata` label says about the remo-secrets feature. Pure.
//
// The devcontainer CLI writes the label on every image it builds (`devcontainer build`, `up`):
// a JSON array with one entry per feature it installed, each carrying the feature id as the
// user wrote it in devcontainer.json ("./remo-secrets", "ghcr.io/acme/features/remo-secrets:1",
// …), then one entry without an id for devcontainer.json's own properties. A single entry is
// written as a bare object instead of a one-element array; the CLI reads both.

/** The label the devcontainer CLI keeps its merged metadata in. */
export const imageMetadataLabel = "devcontainer.metadata";

/**
 * What the caller found out about the image a configuration names (input to synthesis). `from`
 * is set when `ref` is the base image of the Dockerfile the configuration builds (that path as
 * devcontainer.json gives it); `ref` is empty when the Dockerfile did not tell which image.
 */
export type ImageLookup =
  /** The image was inspected: the feature ids its label records (none: not built by the CLI, or no features). */
  | ({ ref: string; featureIds: string[] } & LookupSource)
  /** The image could not be inspected; `reason` says why (absent image, no engine, SSH down, timeout…). */
  | ({ ref: string; reason: string } & LookupSource);

/** Where the looked-up image came from, when not the file's own "image". */
export interface LookupSource {
  /** The Dockerfile whose base image it is. */
  from?: string;
  /** The Docker Compose service that runs it (built from `from`, or named by its `image`). */
  service?: string;
}

/**
 * The feature ids a `devcontainer.metadata` label value records, in order. An absent, empty
 * or unreadable label records none: the image is then treated as having no features, as the
 * devcontainer CLI treats it.
 */
export function labelFeatureIds(label: string | undefined): string[] {
  if (label === undefined || label.trim() === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(label);
  } catch {
    return [];
  }
  const entries: unknown[] = Array.isArray(value) ? value : typeof value === "object" && value !== null ? [value] : [];
  return entries.flatMap((e) => {
    const id = typeof e === "object" && e !== null ? (e as { id?: unknown }).id : undefined;
    return typeof id === "string" && id !== "" ? [id] : [];
  });
}

/**
 * The feature ids in an image's labels as `<engine> image inspect --format '{{json .Config.Labels}}'`
 * prints them (`null` when the image has no labels).
 * @throws Error when the output is not a JSON object or null (not what that command prints)
 */
export function featureIdsFromLabelsJson(output: string): string[] {
  let labels: unknown;
  try {
    labels = JSON.parse(output.trim());
  } catch {
    throw new Error(`the engine printed something that is not the image's labels: ${shorten(output)}`);
  }
  if (labels === null) return [];
  if (typeof labels !== "object" || Array.isArray(labels)) throw new Error(`the engine printed something that is not the image's labels: ${shorten(output)}`);
  const label = (labels as Record<string, unknown>)[imageMetadataLabel];
  return labelFeatureIds(typeof label === "string" ? label : undefined);
}

/**
 * True for a feature id that is this project's feature, local or published, in any version
 * or digest, as devcontainer.json lists it and as the CLI records it in the label.
 */
export function isRemoFeatureId(id: string): boolean {
  const withoutVersion = id.replace(/(@sha256:[0-9a-f]+|:[^/:]*)$/i, "");
  return /(^|\/)remo-secrets$/.test(withoutVersion);
}

/** The remo-secrets feature id a lookup found in the image, if it found one. */
export function remoFeatureInImage(lookup: ImageLookup): string | undefined {
  return "featureIds" in lookup ? lookup.featureIds.find(isRemoFeatureId) : undefined;
}

function shorten(s: string): string {
  const t = s.trim();
  return t.length > 120 ? `${t.slice(0, 117)}…` : t;
}
