// The whole build: every entry point becomes one self-contained file in dist/.
import * as esbuild from "esbuild";
import { copyFile, mkdir, writeFile } from "node:fs/promises";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

/** Options every bundle shares (the shape of vscode's esbuild-extension-common). */
function common(overrides) {
  return {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: production ? false : "linked",
    sourcesContent: false,
    minify: production,
    metafile: true,
    logLevel: "warning",
    logOverride: { "import-is-undefined": "error" },
    // jsonc-parser and vscode-languageserver ship UMD builds first; prefer their ESM.
    mainFields: ["module", "main"],
    plugins: [problemMatcher],
    ...overrides,
  };
}

const shebang = { js: "#!/usr/bin/env node" };

/** Every entry point: [name, options]. */
const entries = [
  // ssh2 tries its optional native crypto and cpu-features inside try/catch and falls back to pure JS: leave them out.
  ["extension", { entryPoints: ["extension/src/extension.ts"], outfile: "dist/extension.js", external: ["vscode", "cpu-features", "*.node"] }],
  ["server", { entryPoints: ["language-server/src/main.ts"], outfile: "dist/server.js" }],
  ["remo-broker", { entryPoints: ["broker/src/main.ts"], outfile: "dist/remo-broker.js", banner: shebang }],
  ["remo-secrets", { entryPoints: ["devcontainer-feature/client/src/main.ts"], outfile: "dist/remo-secrets.js", banner: shebang }],
  ["remo-secrets-synthesize", { entryPoints: ["extension/src/devcontainer/synthesize-cli.ts"], outfile: "dist/remo-secrets-synthesize.js", banner: shebang }],
  ["webview-audit", { entryPoints: ["extension/src/audit-view/webview/main.ts"], outfile: "dist/webview/audit.js", platform: "browser", format: "iife", target: "es2022" }],
];

/** Prints esbuild's errors in the shape VS Code's `$esbuild-watch` problem matcher reads. */
const problemMatcher = {
  name: "problem-matcher",
  setup(build) {
    build.onStart(() => { if (watch) console.log("[watch] build started"); });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log("[watch] build finished");
    });
  },
};

async function main() {
  const { existsSync } = await import("node:fs");
  const active = entries;
  const contexts = await Promise.all(active.map(([, o]) => esbuild.context(common(o))));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  const metas = {};
  for (const [i, ctx] of contexts.entries()) {
    const result = await ctx.rebuild();
    metas[active[i][0]] = result.metafile;
    await ctx.dispose();
  }
  await mkdir("dist", { recursive: true });
  await writeFile("dist/meta.json", JSON.stringify(metas));
  // The broker's SO_PEERCRED addon sits next to dist/remo-broker.js, which loads it from there.
  if (existsSync("dist/remo-broker.js") && existsSync("broker/native/build.mjs")) {
    const { buildPeercred } = await import("./broker/native/build.mjs");
    buildPeercred("dist");
  }
  // The devcontainer feature folder must be self-contained when copied into a project.
  if (existsSync("dist/remo-secrets.js") && existsSync("devcontainer-feature/src/remo-secrets")) {
    await copyFile("dist/remo-secrets.js", "devcontainer-feature/src/remo-secrets/remo-secrets.js");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
