// The image a Dockerfile builds on, as the devcontainer CLI needs it: the `FROM` of the stage it
// builds (the last, or build.target), with build arguments substituted. Pure. A configuration
// built from a Dockerfile whose base image was prebuilt with the feature inherits that image's
// devcontainer.metadata label, so the feature need not be listed again.

/** The base image, or why it cannot be told from the text. */
export type DockerfileBase = { ref: string } | { reason: string };

/** What devcontainer.json's `build` gives the build: its target stage and build arguments. */
export interface DockerfileBuild {
  target?: string;
  args?: Readonly<Record<string, string>>;
}

interface Stage { image: string; name?: string }

/** Instructions, one per logical line: continuations joined, comments and blank lines dropped. */
function instructions(text: string): { keyword: string; rest: string }[] {
  const out: { keyword: string; rest: string }[] = [];
  let pending = "";
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = "";
    const m = /^(\S+)\s*(.*)$/.exec(whole);
    if (m !== null) out.push({ keyword: (m[1] ?? "").toUpperCase(), rest: m[2] ?? "" });
  }
  return out;
}

/** `${NAME}`, `${NAME:-default}` and `$NAME` replaced from `values`; undefined when one is unknown. */
function substitute(s: string, values: ReadonlyMap<string, string>): string | undefined {
  const missing: string[] = [];
  const out = s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const v = values.get(braced ?? bare ?? "");
    if (v !== undefined && v !== "") return v;
    if (fallback !== undefined) return fallback;
    missing.push(braced ?? bare ?? "");
    return "";
  });
  return missing.length > 0 ? undefined : out;
}

/**
 * The image the stage that gets built starts from. Build arguments come from `build.args`, then
 * the defaults of the `ARG`s before the first `FROM` (the only ones a `FROM` can use). A stage
 * built on an earlier stage is followed to that stage's image.
 */
export function dockerfileBaseImage(text: string, build: DockerfileBuild = {}): DockerfileBase {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const { keyword, rest } of instructions(text)) {
    if (keyword === "ARG" && stages.length === 0) {
      for (const decl of rest.split(/\s+/).filter(Boolean)) {
        const eq = decl.indexOf("=");
        const name = eq === -1 ? decl : decl.slice(0, eq);
        const given = build.args?.[name];
        if (given !== undefined) args.set(name, given);
        else if (eq !== -1) args.set(name, decl.slice(eq + 1).replace(/^"(.*)"$/, "$1"));
      }
    } else if (keyword === "FROM") {
      const words = rest.split(/\s+/).filter((w) => !w.startsWith("--"));
      const image = words[0];
      if (image === undefined) return { reason: "a FROM line names no image" };
      const as = words[1]?.toUpperCase() === "AS" ? words[2] : undefined;
      stages.push({ image, ...(as === undefined ? {} : { name: as.toLowerCase() }) });
    }
  }
  let stage = build.target === undefined ? stages.at(-1) : stages.find((s) => s.name === build.target?.toLowerCase());
  if (stage === undefined) return { reason: build.target === undefined ? "it has no FROM line" : `it has no stage named "${build.target}"` };
  for (let hops = 0; hops <= stages.length; hops++) {
    const ref = substitute(stage.image, args);
    if (ref === undefined) return { reason: `its FROM ${stage.image} uses a build argument with no value` };
    const earlier: Stage | undefined = stages.find((s) => s.name === ref.toLowerCase());
    if (earlier === undefined || earlier === stage) return { ref };
    stage = earlier;
  }
  return { reason: "its stages build on each other in a circle" };
}
