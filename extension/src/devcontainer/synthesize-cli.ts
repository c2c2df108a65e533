// `node dist/remo-secrets-synthesize.js <workspace-folder>`: the Synthesize command without VS Code.
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { inspectImageLocally } from "./image-inspect.ts";
import { nodeWorkspaceFs } from "./node-workspace-fs.ts";
import { DevcontainerError } from "./synthesize.ts";
import { synthesizeWorkspace } from "./synthesize-workspace.ts";

const usage = `usage: remo-secrets-synthesize [--feature-id ID] [--runtime-dir DIR] [--docker-path PATH] [--dry-run] <workspace-folder>
  Adds the remo-broker socket mount and the remo-secrets feature to
  <workspace-folder>/.devcontainer/devcontainer.json, or creates it. The feature is not
  added when the file's "image", or the image its Dockerfile builds on, was built with it
  (its devcontainer.metadata label says so).
  --feature-id ID  reference a published feature instead of copying the bundled one
  --runtime-dir DIR  the node broker's --runtime-dir, when it is not /run/remo-broker
  --docker-path PATH  the engine that holds the images, as for devcontainer up (default: docker, else podman)
  --dry-run        print what would change and the resulting file; write nothing
  Exit: 0 done, 1 conflicts left for you to resolve, 2 usage or error.
`;

/** The bundled feature folder, next to the built file: dist/../devcontainer-feature/src/remo-secrets. */
function bundledFeature(): string {
  const script = process.argv[1] === undefined ? process.cwd() : dirname(realpathSync(process.argv[1]));
  return join(script, "..", "devcontainer-feature", "src", "remo-secrets");
}

async function main(argv: string[]): Promise<number> {
  let featureId: string | undefined;
  let runtimeDir: string | undefined;
  let dockerPath: string | undefined;
  let dryRun = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--help" || a === "-h") {
      process.stdout.write(usage);
      return 0;
    }
    if (a === "--dry-run") {
      dryRun = true;
    } else if (a === "--feature-id") {
      featureId = argv[++i];
    } else if (a.startsWith("--feature-id=")) {
      featureId = a.slice("--feature-id=".length);
    } else if (a === "--runtime-dir" || a.startsWith("--runtime-dir=")) {
      runtimeDir = a === "--runtime-dir" ? argv[++i] : a.slice("--runtime-dir=".length);
      if (runtimeDir?.startsWith("/") !== true) {
        process.stderr.write(`remo-secrets-synthesize: --runtime-dir needs an absolute path (the broker's --runtime-dir on the node)\n${usage}`);
        return 2;
      }
    } else if (a === "--docker-path" || a.startsWith("--docker-path=")) {
      dockerPath = a === "--docker-path" ? argv[++i] : a.slice("--docker-path=".length);
      if (dockerPath === undefined || dockerPath === "") {
        process.stderr.write(`remo-secrets-synthesize: --docker-path needs the engine command (docker, podman, or a path to one)\n${usage}`);
        return 2;
      }
    } else if (a.startsWith("-")) {
      process.stderr.write(`remo-secrets-synthesize: unknown option ${a}\n${usage}`);
      return 2;
    } else {
      rest.push(a);
    }
  }
  if (rest.length !== 1 || featureId === "") {
    process.stderr.write(`remo-secrets-synthesize: ${rest.length === 0 ? "give the workspace folder" : featureId === "" ? "--feature-id needs a value" : "give exactly one workspace folder"}\n${usage}`);
    return 2;
  }
  const folder = resolve(rest[0] ?? ".");
  if (!existsSync(folder)) {
    process.stderr.write(`remo-secrets-synthesize: ${folder} does not exist. Give the project's folder.\n`);
    return 2;
  }
  const source = bundledFeature();
  if (featureId === undefined && !existsSync(join(source, "devcontainer-feature.json"))) {
    process.stderr.write(`remo-secrets-synthesize: the bundled feature folder ${source} is missing. Run it from a built checkout (npm run build), or pass --feature-id <published id>.\n`);
    return 2;
  }
  const result = await synthesizeWorkspace(folder, nodeWorkspaceFs(), {
    ...(featureId === undefined ? { featureSource: source } : { featureRef: featureId }),
    ...(runtimeDir === undefined ? {} : { runtimeDir }),
    inspectImage: (ref) => inspectImageLocally(ref, dockerPath === undefined ? {} : { dockerPath }),
    write: !dryRun,
  });
  const rel = result.path.startsWith(folder + "/") ? result.path.slice(folder.length + 1) : result.path;
  const verb = dryRun ? "Would change" : result.created ? "Created" : "Updated";
  if (result.changes.length === 0) process.stdout.write(`${rel} is already set up for project ${result.projectName}; nothing changed.\n`);
  else process.stdout.write(`${verb} ${rel} for project ${result.projectName}:\n${result.changes.map((c) => `  + ${c}\n`).join("")}`);
  for (const n of result.notes) process.stdout.write(`  i ${n}\n`);
  if (dryRun) process.stdout.write(`\n${result.after}`);
  if (result.conflicts.length > 0) {
    process.stderr.write(`Left for you to resolve in ${rel}:\n${result.conflicts.map((c) => `  ! ${c}\n`).join("")}`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  const message = e instanceof DevcontainerError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
  process.stderr.write(`remo-secrets-synthesize: ${message}\n`);
  process.exitCode = 2;
});
