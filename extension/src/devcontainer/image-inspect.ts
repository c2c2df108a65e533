// Reads the labels of the image a configuration names, where the container engine runs: on this
// machine (the synthesize CLI on the node, an extension host on the node) with execFile and argv
// only, or as one command line for an SSH session to the node. Any failure becomes a lookup with
// a reason, never an error: synthesis then adds the feature as it does for any image.
import { quoteShellWord } from "#protocol";
import { createExecFileRunner } from "../run-program.ts";
import type { ImageLookupRoute } from "./image-lookup-route.ts";
import { featureIdsFromLabelsJson, type ImageLookup } from "./image-metadata.ts";

/** How long one `image inspect` may take: a local engine answers in well under a second. */
export const inspectTimeoutMs = 5_000;

/** What an engine command returned (a local run or an SSH exec). */
export interface EngineResult { code: number | null; stdout: string; stderr: string }

/** The engines tried, in order, when no docker path is configured (as the devcontainer CLI defaults to docker). */
export const defaultEngines = ["docker", "podman"] as const;

/** `image inspect` arguments that print only the labels, as JSON (`null` when there are none). */
export function inspectArgs(ref: string): string[] {
  return ["image", "inspect", "--format", "{{json .Config.Labels}}", ref];
}

/** Why `ref` cannot be looked up as it is written, or undefined when it can. */
export function unusableImageRef(ref: string): string | undefined {
  if (ref.trim() === "") return "the image name is empty";
  // The CLI substitutes ${localEnv:…} and friends at up time; the name is not known here.
  if (ref.includes("${")) return "its name uses a variable the devcontainer CLI substitutes";
  // Never let a name become an option of the engine.
  if (ref.startsWith("-") || /\s/.test(ref)) return "it is not an image name";
  return undefined;
}

/**
 * The `image inspect` line for a remote shell: `dockerPath` when set, else docker when the node
 * has it and podman otherwise. Every word is quoted; exit 127 means no engine was found.
 */
export function inspectCommandLine(ref: string, dockerPath: string | undefined): string {
  const args = inspectArgs(ref).map(quoteShellWord).join(" ");
  if (dockerPath !== undefined) return `${quoteShellWord(dockerPath)} ${args}`;
  const [first, second] = defaultEngines;
  return `if command -v ${first} >/dev/null 2>&1; then ${first} ${args}; elif command -v ${second} >/dev/null 2>&1; then ${second} ${args}; `
    + `else echo 'neither ${first} nor ${second} is on the PATH' >&2; exit 127; fi`;
}

/** Turns a finished `image inspect` into a lookup; `engine` names the command in reasons. */
export function lookupFromResult(ref: string, engine: string, result: EngineResult): ImageLookup {
  if (result.code === 0) {
    try {
      return { ref, featureIds: featureIdsFromLabelsJson(result.stdout) };
    } catch (e) {
      return { ref, reason: `${engine}: ${(e as Error).message}` };
    }
  }
  const said = firstLine(result.stderr);
  if (result.code === 127) return { ref, reason: `${engine} is not installed${said === "" ? "" : ` (${said})`}` };
  if (/no such image|image not known/i.test(said)) return { ref, reason: `${engine} has no image by that name; pull or build it first` };
  return { ref, reason: `${engine} image inspect failed (exit ${String(result.code)})${said === "" ? "" : `: ${said}`}` };
}

/** Options for {@link inspectImageLocally}. */
export interface LocalInspectOptions {
  /** The engine command (`--docker-path`, dev.containers.dockerPath); default docker, then podman. */
  dockerPath?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Looks `ref` up with the engine on this machine. */
export async function inspectImageLocally(ref: string, opts: LocalInspectOptions = {}): Promise<ImageLookup> {
  const unusable = unusableImageRef(ref);
  if (unusable !== undefined) return { ref, reason: unusable };
  const engines = opts.dockerPath === undefined ? [...defaultEngines] : [opts.dockerPath];
  for (const engine of engines) {
    const r = await run(engine, inspectArgs(ref), opts.timeoutMs ?? inspectTimeoutMs, opts.env);
    if (r === "absent") continue;
    if (r === "timeout") return { ref, reason: `${engine} did not answer within ${String(Math.round((opts.timeoutMs ?? inspectTimeoutMs) / 1000))} s` };
    return lookupFromResult(ref, engine, r);
  }
  return { ref, reason: opts.dockerPath === undefined ? `neither ${defaultEngines.join(" nor ")} is on the PATH` : `${opts.dockerPath} is not installed` };
}

/** An SSH session to the node that can run one command (NodeClient.shell). */
export interface RemoteShell {
  shell(command: string, timeoutMs: number): Promise<EngineResult>;
  close(): void;
}

/** Options for {@link inspectImageOverSsh}. */
export interface SshInspectOptions {
  /** The engine command on the node (dev.containers.dockerPath); default docker, else podman. */
  dockerPath?: string;
  /** For connecting and for the command each; default {@link inspectTimeoutMs}. */
  timeoutMs?: number;
}

/**
 * Looks `ref` up with the engine on the node named `nodeName`, through a session `connect`
 * opens (and this closes). An unreachable node, a refused login or a slow answer is a lookup
 * with a reason.
 */
export async function inspectImageOverSsh(ref: string, nodeName: string, connect: () => Promise<RemoteShell>, opts: SshInspectOptions = {}): Promise<ImageLookup> {
  const unusable = unusableImageRef(ref);
  if (unusable !== undefined) return { ref, reason: unusable };
  const timeoutMs = opts.timeoutMs ?? inspectTimeoutMs;
  const seconds = String(Math.round(timeoutMs / 1000));
  let session: RemoteShell | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ImageLookup>((resolve) => {
    timer = setTimeout(() => { resolve({ ref, reason: `${nodeName} did not answer over SSH within ${seconds} s` }); }, timeoutMs);
  });
  const lookup = (async (): Promise<ImageLookup> => {
    try {
      session = await connect();
      const r = await session.shell(inspectCommandLine(ref, opts.dockerPath), timeoutMs);
      return lookupFromResult(ref, opts.dockerPath ?? `the engine on ${nodeName}`, r);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "timeout") return { ref, reason: `${nodeName} did not answer over SSH within ${seconds} s` };
      return { ref, reason: `could not ask ${nodeName} over SSH: ${firstLine(e instanceof Error ? e.message : String(e))}` };
    }
  })();
  try {
    return await Promise.race([lookup, deadline]);
  } finally {
    clearTimeout(timer);
    // A session that opens after the deadline is closed as soon as it does.
    void lookup.finally(() => { session?.close(); });
  }
}

/** What {@link imageInspector} needs besides the route. */
export interface InspectorOptions {
  dockerPath?: string;
  /** Opens the session to the node (route "ssh"). */
  connect?: () => Promise<RemoteShell>;
  /** The environment of a local engine run (route "here"); default this process's. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The lookup the Synthesize command hands to synthesis, for the route its window gives: each
 * image is asked about once, so the diff and the write see the same answer.
 */
export function imageInspector(route: ImageLookupRoute, opts: InspectorOptions = {}): (ref: string) => Promise<ImageLookup> {
  const engine = opts.dockerPath === undefined ? {} : { dockerPath: opts.dockerPath };
  const ask = (ref: string): Promise<ImageLookup> => {
    if (route.via === "here") return inspectImageLocally(ref, { ...engine, ...(opts.env === undefined ? {} : { env: opts.env }) });
    if (route.via === "ssh" && opts.connect !== undefined) return inspectImageOverSsh(ref, route.nodeName, opts.connect, engine);
    return Promise.resolve({ ref, reason: route.via === "none" ? route.reason : `there is no SSH session to ${route.nodeName}` });
  };
  const asked = new Map<string, Promise<ImageLookup>>();
  return (ref) => {
    const known = asked.get(ref);
    if (known !== undefined) return known;
    const p = ask(ref);
    asked.set(ref, p);
    return p;
  };
}

/** An engine's labels with many features are tens of KiB; this leaves room and still bounds a runaway. */
const maxInspectOutputBytes = 4 * 1024 * 1024;

async function run(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv | undefined): Promise<EngineResult | "absent" | "timeout"> {
  try {
    const { stdout } = await createExecFileRunner({ maxOutputBytes: maxInspectOutputBytes, ...(env === undefined ? {} : { env }) })(file, args, { timeoutMs });
    return { code: 0, stdout, stderr: "" };
  } catch (err) {
    const e = err as { code?: unknown; killed?: unknown; stdout?: unknown; stderr?: unknown; message?: unknown };
    if (e.code === "ENOENT") return "absent";
    if (e.killed === true) return "timeout";
    const stderr = typeof e.stderr === "string" && e.stderr !== "" ? e.stderr : String(e.message);
    return { code: typeof e.code === "number" ? e.code : null, stdout: typeof e.stdout === "string" ? e.stdout : "", stderr };
  }
}

function firstLine(s: string): string {
  const line = s.trim().split("\n")[0]?.trim() ?? "";
  return line.length > 200 ? `${line.slice(0, 197)}…` : line;
}
