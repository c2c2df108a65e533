// Extension activation: what blocks VS Code when the extension activates, i.e. loading the
// extension bundle as it ships (built here by esbuild.mjs's own extensionEntries() with
// --production: minified, vscode-languageclient wrapped for lazy evaluation, and ssh2 and
// age-encryption not in it at all but in the lazy parts dist/extension-node.js and
// dist/extension-push.js, required on first use) and running activate() until it returns. The language client's
// start() is asynchronous and not counted (activate() does not wait for it, by design).
// Each sample is a fresh Node process (cold require), with `vscode` replaced by a universal
// stub. The reference is an empty extension (`exports.activate = () => {}`) loaded by the same
// harness in the same run, so the difference is what our bundle costs.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { extensionEntries } from "../esbuild.mjs";
import { median } from "./lib.mjs";

const runs = Number(process.env.REMO_BENCH_ACTIVATION_RUNS ?? 15);

/** The child: stubs `vscode`, times require + activate() with hrtime, prints ms. */
const child = String.raw`
const Module = require("node:module");
const handler = {
  // Stubbed promises never settle: awaiting code just stops, which is fine after activate() returned.
  get(t, p) { if (p === "then") return () => stub(); if (p === Symbol.toPrimitive) return () => ""; if (p === Symbol.iterator) return function* () {}; if (!(p in t)) t[p] = stub(); return t[p]; },
  set(t, p, v) { Object.defineProperty(t, p, { value: v, writable: true, configurable: true }); return true; },
  apply() { return stub(); },
  construct() { return stub(); },
};
function stub() { return new Proxy(function () {}, handler); }
// Bundlers copy the module's own keys at import time (__toESM/__importStar): give the stub
// every name the vscode API exports, read from @types/vscode.
const dts = require("node:fs").readFileSync(require.resolve("@types/vscode/index.d.ts", { paths: [process.argv[2]] }), "utf8");
const names = [...dts.matchAll(/^\s*export (?:namespace|class|enum|const|let|function|interface) ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
const api = {};
for (const n of new Set(names)) api[n] = stub();
api.version = "1.95.0";
// CommonJS dependencies (vscode-languageclient) read other names: create those on demand.
const vscode = new Proxy(api, { get(t, p) { if (p === "then" || p === "__esModule") return undefined; if (!(p in t)) t[p] = stub(); return t[p]; } });
const load = Module._load;
Module._load = function (request, parent, isMain) { return request === "vscode" ? vscode : load.call(this, request, parent, isMain); };
const context = { subscriptions: [], secrets: stub(), globalState: { get: (k, d) => d, update: async () => {} }, workspaceState: { get: (k, d) => d, update: async () => {} },
  extensionUri: stub(), extensionPath: process.argv[2], asAbsolutePath: (p) => require("node:path").join(process.argv[2], p) };
if (process.argv[3] === "remote") {
  // A Remote-SSH window on a folder the laptop reaches only through vscode.workspace.fs.
  const uri = { scheme: "vscode-remote", authority: "ssh-remote+devbox", path: "/home/alice/myrepo", toString: () => "vscode-remote://ssh-remote%2Bdevbox/home/alice/myrepo" };
  vscode.workspace.workspaceFolders = [{ uri, name: "myrepo", index: 0 }];
  vscode.env.remoteName = "ssh-remote";
}
const t0 = process.hrtime.bigint();
const ext = require(process.argv[1]);
ext.activate(context);
const t1 = process.hrtime.bigint();
process.stdout.write(String(Number(t1 - t0) / 1e6));
process.exit(0);
`;

function sample(script, root, window = "local") {
  const r = spawnSync(process.execPath, ["-e", child, script, root, window], { encoding: "utf8" });
  const ms = Number(r.stdout);
  if (r.status !== 0 || Number.isNaN(ms)) throw new Error(`activation sample failed: ${r.stderr.slice(0, 500)}`);
  return ms;
}

/** Bench module contract (bench/run.mjs). */
export async function run(ctx) {
  const entry = join(ctx.root, "extension", "src", "extension.ts");
  if (!existsSync(entry)) return [{ area: "extension", what: "activation (require + activate)", skipped: "extension/src/extension.ts missing" }];
  // The activation bundle and its lazy parts exactly as esbuild.mjs --production builds them.
  const outdir = join(ctx.tmp, "ext");
  const builds = extensionEntries({ root: ctx.root, outdir, prod: true });
  const results = await Promise.all(builds.map(([, o]) => esbuild.build({ ...o, logLevel: "error" })));
  const ours = join(outdir, "extension.js");
  const inActivation = Object.keys(results[0].metafile.inputs).filter((i) => /node_modules\/(ssh2|age-encryption)\//.test(i));
  if (inActivation.length > 0) throw new Error(`the activation bundle carries ssh2/age-encryption: ${inActivation[0]}`);
  const empty = join(ctx.tmp, "empty-extension.js");
  writeFileSync(empty, "exports.activate = () => {};\n");
  // The usual shape of an LSP extension (lsp-sample): vscode-languageclient imported at the top
  // and the client created in activate(), bundled and minified the same way.
  const lspSampleSrc = join(ctx.tmp, "lsp-sample.ts");
  writeFileSync(lspSampleSrc, [
    "import { LanguageClient, TransportKind } from 'vscode-languageclient/node';",
    "export function activate(context: { asAbsolutePath(p: string): string }): void {",
    "  const module = context.asAbsolutePath('dist/server.js');",
    "  void new LanguageClient('sample', 'Sample', { run: { module, transport: TransportKind.stdio }, debug: { module, transport: TransportKind.stdio } }, { documentSelector: [{ language: 'toml' }] });",
    "}",
  ].join("\n"));
  const lspSample = join(ctx.tmp, "lsp-sample.js");
  await esbuild.build({
    entryPoints: [lspSampleSrc], outfile: lspSample, bundle: true, platform: "node", format: "cjs", target: "node20", minify: true,
    mainFields: ["module", "main"], external: ["vscode"], logLevel: "error", nodePaths: [join(ctx.root, "node_modules")],
  });
  const a = [];
  const b = [];
  const c = [];
  const d = [];
  // Interleaved, so machine noise hits all four alike.
  for (let i = 0; i < runs; i++) {
    b.push(sample(empty, ctx.root));
    c.push(sample(lspSample, ctx.root));
    a.push(sample(ours, ctx.root));
    d.push(sample(ours, ctx.root, "remote"));
  }
  const remoteMs = median(d);
  const oursMs = median(a);
  const emptyMs = median(b);
  const lspMs = median(c);
  ctx.log(`activation: ours ${oursMs.toFixed(2)} ms, lsp-sample ${lspMs.toFixed(2)} ms, empty ${emptyMs.toFixed(3)} ms (medians of ${runs})`);
  return [
    {
      area: "extension", what: "activation: require + activate() (production bundle)", ours: oursMs, reference: lspMs, referenceLabel: "lsp-sample-style extension",
      unit: "ms", goal: "no slower than a plain LSP extension (10% noise allowance)", met: oursMs <= lspMs * 1.1,
    },
    {
      area: "extension", what: "activation: same, against an empty extension", ours: oursMs, reference: emptyMs, referenceLabel: "empty extension",
      unit: "ms", goal: "≤ 100 ms above empty (2 loaded cores)", met: oursMs - emptyMs <= 100,
    },
    {
      area: "extension", what: "activation in a Remote-SSH window (vscode-remote:// folder)", ours: remoteMs, reference: lspMs, referenceLabel: "lsp-sample-style extension",
      unit: "ms", goal: "no slower than a plain LSP extension (10% noise allowance)", met: remoteMs <= lspMs * 1.1,
    },
  ];
}
