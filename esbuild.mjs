// The whole build: every entry point becomes one self-contained file in dist/.
import * as esbuild from "esbuild";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

/** Options every bundle shares (the shape of vscode's esbuild-extension-common). */
function common(overrides, prod = production) {
  return {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: prod ? false : "linked",
    sourcesContent: false,
    minify: prod,
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

/**
 * The extension's parts that load on first use, each its own bundle next to dist/extension.js:
 * [source entry, bundle file]. Activation code reaches them only with `await import(entry)`.
 */
const lazyParts = [
  ["extension/src/node/index.ts", "extension-node.js"], // ssh2: the SSH session, admin client, install, audit tail
  ["extension/src/push/index.ts", "extension-push.js"], // age-encryption: building and encrypting a bundle
  ["extension/src/devcontainer/synthesize-workspace.ts", "extension-synthesize.js"], // js-yaml: Synthesize devcontainer.json
];

/**
 * Turns `await import()` of a lazy part's entry into `require("./<its bundle>")` at first use
 * (by path, next to the importing bundle), instead of inlining the part into the caller.
 */
function lazyPartsPlugin(root, own) {
  const files = new Set(lazyParts.map(([, file]) => `./${file}`));
  return {
    name: "lazy-parts",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind === "require-call" && args.namespace === "lazy-part" && files.has(args.path)) return { path: args.path, external: true };
        if (args.kind !== "dynamic-import") return undefined;
        const target = resolve(args.resolveDir, args.path);
        const part = lazyParts.find(([src]) => resolve(root, src) === target);
        if (part === undefined || part[0] === own) return undefined;
        return { path: part[1], namespace: "lazy-part" };
      });
      build.onLoad({ filter: /.*/, namespace: "lazy-part" }, (args) => ({ contents: `module.exports = require("./${args.path}");`, loader: "js", resolveDir: root }));
    },
  };
}

/**
 * The activation bundle and its lazy parts, as [name, options] (also used by
 * bench/activation.bench.mjs, so it measures what ships). `outdir` holds all of them.
 */
export function extensionEntries({ root = process.cwd(), outdir = "dist", prod = production } = {}) {
  // ssh2 tries its optional native crypto and cpu-features inside try/catch and falls back to pure JS: leave them out.
  const external = ["vscode", "cpu-features", "*.node"];
  return [
    ["extension", { entryPoints: [join(root, "extension/src/extension.ts")], outfile: join(outdir, "extension.js"), external, plugins: [problemMatcher, lazyPartsPlugin(root)] }],
    ...lazyParts.map(([src, file]) => [file.replace(/\.js$/, ""), { entryPoints: [join(root, src)], outfile: join(outdir, file), external, plugins: [problemMatcher, lazyPartsPlugin(root, src)] }]),
  ].map(([name, o]) => [name, common({ absWorkingDir: root, ...o }, prod)]);
}

/** Every entry point: [name, options]. */
const entries = () => [
  ...extensionEntries(),
  ["server", { entryPoints: ["language-server/src/main.ts"], outfile: "dist/server.js" }],
  // The daemon's source stays in its heap for good: without whitespace and with shorter syntax it
  // is ~1 MiB less idle RSS (names are kept, so stack traces still read).
  ["remo-broker", { entryPoints: ["broker/src/main.ts"], outfile: "dist/remo-broker.js", banner: shebang, minifyWhitespace: true, minifySyntax: true }],
  ["remo-secrets", { entryPoints: ["devcontainer-feature/client/src/main.ts"], outfile: "dist/remo-secrets.js", banner: shebang }],
  ["remo-secrets-synthesize", { entryPoints: ["extension/src/devcontainer/synthesize-cli.ts"], outfile: "dist/remo-secrets-synthesize.js", banner: shebang }],
  ["webview-audit", { entryPoints: ["extension/src/audit-view/webview/main.ts"], outfile: "dist/webview/audit.js", platform: "browser", format: "iife", target: "es2022" }],
].map(([name, o]) => [name, name.startsWith("extension") ? o : common(o)]);

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
  const active = entries();
  const contexts = await Promise.all(active.map(([, o]) => esbuild.context(o)));
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

// Run as the build (node esbuild.mjs); imported, it only lends extensionEntries to the bench.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
