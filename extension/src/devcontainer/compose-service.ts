// The image a Docker Compose service of a devcontainer configuration runs, as the devcontainer
// CLI builds the features on it: the service's `build` (its Dockerfile's base image is what the
// built image inherits its label from) or else its `image`. Pure: the caller reads the files
// (paths are POSIX strings, as the workspace file system gives them). An image prebuilt with the
// feature then needs no feature listed again.
import { posix } from "node:path";
import { CORE_SCHEMA, load, mergeTag } from "js-yaml";

/** YAML 1.2's core schema with merge keys (`<<: *common`), which compose files use and compose reads. */
const composeSchema = CORE_SCHEMA.withTags(mergeTag);

/** One compose file of `dockerComposeFile`: its path (POSIX, absolute) and its text. */
export interface ComposeFile {
  path: string;
  text: string;
}

/** What the service is made from, or why it cannot be told from the files. */
export type ComposeServiceImage =
  | { image: string }
  | { build: { dockerfile: string; target?: string; args: Record<string, string> } }
  | { reason: string };

interface Build { context?: unknown; dockerfile?: unknown; target?: unknown; args?: unknown }

/**
 * Compose's interpolation where the files alone decide it: `$$` is a `$`, `${NAME:-default}` and
 * `${NAME-default}` take their default. A variable without one is known only to the compose run
 * (the environment, an .env file), so it leaves the value undecided.
 */
function interpolate(value: string): { value: string } | { variable: string } {
  let variable: string | undefined;
  const out = value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced: string | undefined, modifier: string | undefined, bare: string | undefined) => {
    if (m === "$$") return "$";
    const fallback = /^:?-(.*)$/s.exec(modifier ?? "");
    if (fallback !== null) return fallback[1] ?? "";
    variable ??= braced ?? bare;
    return "";
  });
  return variable === undefined ? { value: out } : { variable };
}

/** `build.args` as a mapping or as a list of `NAME=value`; entries without a value are left out (the CLI's environment decides them). */
function argsOf(args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const entries: [string, unknown][] = Array.isArray(args)
    ? args.filter((a): a is string => typeof a === "string" && a.includes("=")).map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)])
    : typeof args === "object" && args !== null ? Object.entries(args) : [];
  for (const [k, v] of entries) if (typeof v === "string" || typeof v === "number") out[k] = String(v);
  return out;
}

/**
 * The image `service` runs, from the compose files in the order the configuration lists them
 * (a later file overrides an earlier one's `image` and merges into its `build`). Relative paths
 * are taken from the folder of the first file, as compose does.
 */
export function composeServiceImage(files: readonly ComposeFile[], service: string): ComposeServiceImage {
  const first = files[0];
  if (first === undefined) return { reason: "no compose file could be read" };
  let image: string | undefined;
  let build: Build | undefined;
  let found = false;
  for (const file of files) {
    let doc: unknown;
    try {
      doc = load(file.text, { schema: composeSchema });
    } catch (e) {
      return { reason: `${file.path} does not parse as YAML (${(e as Error).message.split("\n")[0] ?? ""})` };
    }
    const services = (doc as { services?: unknown } | null)?.services;
    const svc = typeof services === "object" && services !== null ? (services as Record<string, unknown>)[service] : undefined;
    if (typeof svc !== "object" || svc === null) continue;
    found = true;
    const s = svc as { image?: unknown; build?: unknown; extends?: unknown };
    if (s.extends !== undefined) return { reason: `the service "${service}" extends another service` };
    if (typeof s.image === "string") image = s.image;
    if (typeof s.build === "string") build = { ...build, context: s.build };
    else if (typeof s.build === "object" && s.build !== null) build = { ...build, ...(s.build as Build) };
  }
  if (!found) return { reason: `no service "${service}" in ${files.map((f) => f.path).join(", ")}` };
  if (build !== undefined) {
    const context = typeof build.context === "string" ? interpolate(build.context) : { value: "." };
    const dockerfile = typeof build.dockerfile === "string" ? interpolate(build.dockerfile) : { value: "Dockerfile" };
    if ("variable" in context) return { reason: `its build context uses \${${context.variable}}, which only the compose run knows` };
    if ("variable" in dockerfile) return { reason: `its Dockerfile path uses \${${dockerfile.variable}}, which only the compose run knows` };
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(context.value) || context.value.startsWith("git@")) return { reason: "its build context is a remote URL" };
    return {
      build: {
        dockerfile: posix.resolve(posix.dirname(first.path), context.value, dockerfile.value),
        ...(typeof build.target === "string" ? { target: build.target } : {}),
        args: argsOf(build.args),
      },
    };
  }
  if (image === undefined) return { reason: `the service "${service}" names neither an image nor a build` };
  const ref = interpolate(image);
  if ("variable" in ref) return { reason: `its image name uses \${${ref.variable}}, which only the compose run knows` };
  return { image: ref.value };
}
