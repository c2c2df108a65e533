// Builds broker/native/peercred.c into dist/peercred.node, next to dist/remo-broker.js.
// Compiled with the system C compiler against the running Node's own headers (no node-gyp,
// so nothing is downloaded). esbuild.mjs calls buildPeercred(); `node broker/native/build.mjs`
// runs it alone. A missing compiler or headers is reported, not fatal: the broker then
// refuses connections to projects that set peer_uids (fail closed) and says why in status.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Candidate include directories holding node_api.h for the running Node. */
function nodeIncludeDirs() {
  const prefix = dirname(dirname(process.execPath));
  return [join(prefix, "include", "node"), "/usr/include/node", "/usr/local/include/node"].filter((d) => existsSync(join(d, "node_api.h")));
}

/** Compiles the addon into `outDir`; returns the output path, or undefined (with a warning) when it cannot. */
export function buildPeercred(outDir = join(here, "..", "..", "dist")) {
  const include = nodeIncludeDirs()[0];
  if (include === undefined) {
    console.warn("warning: node_api.h not found; dist/peercred.node not built (peer_uids cannot be enforced). Install Node's headers (e.g. the nodejs package's include/node).");
    return undefined;
  }
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, "peercred.node");
  const source = join(here, "peercred.c");
  // Up to date: leave it alone (a running broker may have it loaded).
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs && statSync(out).mtimeMs >= statSync(join(include, "node_api.h")).mtimeMs) return out;
  const cc = process.env.CC ?? "cc";
  // Compile beside it and rename, so a broker starting meanwhile never dlopen()s a half-written file.
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(cc, ["-O2", "-Wall", "-Wextra", "-shared", "-fPIC", `-I${include}`, "-o", tmp, source], { stdio: ["ignore", "inherit", "inherit"] });
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    console.warn(`warning: could not compile broker/native/peercred.c with ${cc} (${e.message}); peer_uids cannot be enforced. Install a C compiler (apt-get install gcc).`);
    return undefined;
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = buildPeercred(process.argv[2]);
  if (out === undefined) process.exit(1);
  console.log(out);
}
