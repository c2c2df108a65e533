// The manifest language server's speed, each figure beside a reference from the same run:
//   - didChange → publishDiagnostics over stdio for 100-, 1,000- and 10,000-line manifests,
//     vs smol-toml parse + the precompiled Ajv validator on the same text, in this process
//     (goal: ≤ 1.5x that raw time, and < 50 ms at 10,000 lines)
//   - the server's own pipeline (parseDocument + validateDocument, bundled from source by
//     esbuild) in this process vs the same raw reference, for a valid manifest and for one
//     with errors (which also builds the position map): the server's work without transport
//   - completion latency inside the allowlist of the 1,000-line manifest, vs a bare JSON-RPC
//     round trip to the same server (a request for an unknown method)
// The server runs as the extension starts it: `node dist/server.js --stdio`, real pipes.
// The push debounce (150 ms by default, to coalesce typing) is set to 0 here so the figure is
// the server's work plus transport, not the deliberate wait.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import rpc from "vscode-jsonrpc/node";
import { parse } from "smol-toml";
import { median } from "./lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 40);

/** A valid manifest of about `lines` lines: the allowlist holds one name per line. */
export function makeManifest(lines) {
  const head = ["# generated for the benchmark", "schema_version = 1", "", "[project]", "name = \"bench\"", "", "[allowlist]", "secrets = ["];
  const tail = ["]", "", "[cache]", "ttl_seconds = 300"];
  const names = Array.from({ length: Math.max(1, lines - head.length - tail.length) }, (_, i) => `  "SECRET_${String(i).padStart(6, "0")}", # item ${i}`);
  return [...head, ...names, ...tail].join("\n") + "\n";
}

async function startServer(serverPath) {
  // LSP_BENCH_NODE_ARGS="--cpu-prof" profiles the server while it is measured.
  const nodeArgs = (process.env.LSP_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, serverPath, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const waiters = new Map();
  conn.onNotification("textDocument/publishDiagnostics", (p) => {
    const w = waiters.get(`${p.uri}@${p.version}`);
    if (w) { waiters.delete(`${p.uri}@${p.version}`); w(p.diagnostics); }
  });
  conn.onRequest("remo/workspaceSecretNames", () => []);
  conn.listen();
  await conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true } } } }, initializationOptions: { diagnosticDelayMs: 0 } });
  await conn.sendNotification("initialized", {});
  const published = (uri, version) => new Promise((resolve) => waiters.set(`${uri}@${version}`, resolve));
  return { child, conn, published };
}

/** Bundles the server's pure pipeline from source so it can be timed in this process. */
async function loadPipeline(ctx) {
  const esbuild = await import("esbuild");
  const entry = join(ctx.tmp, "pipeline-entry.ts");
  writeFileSync(entry, `export { parseDocument } from ${JSON.stringify(join(ctx.root, "language-server/src/toml/parse.ts"))};\nexport { validateDocument } from ${JSON.stringify(join(ctx.root, "language-server/src/validate.ts"))};\n`);
  const outfile = join(ctx.tmp, "pipeline.mjs");
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20", outfile, logLevel: "error", mainFields: ["module", "main"], absWorkingDir: ctx.root });
  return import(pathToFileURL(outfile).href);
}

/** Median ms of `f` over `n` runs after a warm-up, interleaved with `g` so both see the same noise. */
function pairedMedians(f, g, n) {
  const a = [];
  const b = [];
  for (let i = 0; i < n + 5; i++) {
    const t0 = process.hrtime.bigint();
    f();
    const t1 = process.hrtime.bigint();
    g();
    const t2 = process.hrtime.bigint();
    if (i >= 5) { a.push(Number(t1 - t0) / 1e6); b.push(Number(t2 - t1) / 1e6); }
  }
  return [median(a), median(b)];
}

/** Runs the benchmark (bench/run.mjs contract). */
export async function run(ctx) {
  const serverPath = join(ctx.dist, "server.js");
  if (!existsSync(serverPath)) return [{ area: "lsp", what: "diagnostics", skipped: "dist/server.js missing: run npm run build" }];
  // The same precompiled validator the server bundles; copied to .mjs so Node loads it as ESM without a warning.
  const validators = join(ctx.tmp, "validators.mjs");
  copyFileSync(join(ctx.root, "protocol", "src", "generated", "validators.js"), validators);
  const { validateManifest } = await import(pathToFileURL(validators).href);
  const rows = [];
  const { parseDocument, validateDocument } = await loadPipeline(ctx);
  for (const lines of [100, 1_000, 10_000]) {
    const valid = makeManifest(lines);
    const broken = valid.replace("schema_version = 1", "schema_version = 2").replace("ttl_seconds = 300", "ttl_seconds = 0").replace("\"SECRET_000001\"", "\"SECRET_000000\"");
    // The extension always sends secret state; with every value set the map is still not needed.
    const allSet = new Map(parse(valid).allowlist.secrets.map((name) => [name, { name, hasValue: true }]));
    for (const [label, text, state] of [["valid", valid, undefined], ["valid, all values set", valid, allSet], ["3 errors", broken, undefined]]) {
      const [ours, raw] = pairedMedians(() => validateDocument(parseDocument(text, { folderName: "bench" }), "file:///x", state), () => validateManifest(parse(text)), runs);
      rows.push({ area: "lsp", what: `pipeline in-process, ${lines.toLocaleString("en")} lines, ${label}`, ours, reference: raw, referenceLabel: "smol-toml + ajv", unit: "ms", goal: "≤ 1.5x raw", met: ours <= 1.5 * raw });
    }
  }
  const server = await startServer(serverPath);
  try {
    // The floor any out-of-process server pays: one request/response over the same pipes, no work.
    const floor = [];
    for (let i = 0; i < runs + 5; i++) {
      const t0 = process.hrtime.bigint();
      await server.conn.sendRequest("remo/noSuchMethod", {}).catch(() => undefined);
      if (i >= 5) floor.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    rows.push({ area: "lsp", what: "stdio transport floor: bare JSON-RPC round trip", ours: median(floor), unit: "ms", goal: "context for the rows below" });
    // Opening a manifest → its first diagnostics, for a file: URI and for the URIs a remote or
    // virtual workspace hands the server (the server never touches the disk, so they should match).
    {
      const text = makeManifest(1_000);
      const schemes = {
        file: (i) => `file:///open-${i}/bench/.devcontainer/remo-broker.toml`,
        remote: (i) => `vscode-remote://ssh-remote%2Bdevbox/home/a/open-${i}/bench/.devcontainer/remo-broker.toml`,
        virtual: (i) => `remo-test://fixture/open-${i}/bench/.devcontainer/remo-broker.toml`,
      };
      const times = { file: [], remote: [], virtual: [] };
      for (let i = 0; i < runs + 5; i++) {
        for (const [name, make] of Object.entries(schemes)) {
          const uri = make(i);
          const p = server.published(uri, 1);
          const t0 = process.hrtime.bigint();
          await server.conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "remo-manifest", version: 1, text } });
          const diags = await p;
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          if (diags.length !== 0) throw new Error(`${name}: the manifest should be valid, got ${JSON.stringify(diags[0])}`);
          await server.conn.sendNotification("textDocument/didClose", { textDocument: { uri } });
          if (i >= 5) times[name].push(ms);
        }
      }
      const file = median(times.file);
      for (const name of ["remote", "virtual"]) {
        const o = median(times[name]);
        rows.push({ area: "lsp", what: `didOpen → publishDiagnostics, 1,000 lines, ${name === "remote" ? "vscode-remote://ssh-remote+…" : "remo-test:// (virtual FS)"} URI`, ours: o, reference: file, referenceLabel: "same with a file: URI", unit: "ms",
          goal: "within 1.2x of file:", met: o <= 1.2 * file });
      }
      ctx.log(`didOpen 1,000 lines: file ${file.toFixed(3)} ms, remote ${median(times.remote).toFixed(3)} ms, virtual ${median(times.virtual).toFixed(3)} ms`);
    }
    for (const lines of [100, 1_000, 10_000]) {
      const text = makeManifest(lines);
      const uri = `file:///bench-${lines}/bench/.devcontainer/remo-broker.toml`;
      let version = 1;
      let p = server.published(uri, version);
      await server.conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "remo-manifest", version, text } });
      const first = await p;
      if (first.length !== 0) throw new Error(`the ${lines}-line manifest should be valid, got ${JSON.stringify(first[0])}`);
      // Edit one name in the middle of the allowlist, alternating so the text stays valid and changes every time.
      const line = Math.floor(lines / 2);
      const ours = [];
      const raw = [];
      let current = text;
      for (let i = 0; i < runs + 5; i++) {
        const ch = i % 2 === 0 ? "X" : "0";
        version++;
        p = server.published(uri, version);
        const t0 = process.hrtime.bigint();
        await server.conn.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range: { start: { line, character: 10 }, end: { line, character: 11 } }, text: ch }] });
        const diags = await p;
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (diags.length !== 0) throw new Error(`edit ${i} produced diagnostics: ${JSON.stringify(diags[0])}`);
        const ls = current.split("\n");
        ls[line] = ls[line].slice(0, 10) + ch + ls[line].slice(11);
        current = ls.join("\n");
        const r0 = process.hrtime.bigint();
        const ok = validateManifest(parse(current));
        const rms = Number(process.hrtime.bigint() - r0) / 1e6;
        if (!ok) throw new Error("reference validation failed");
        if (i >= 5) { ours.push(ms); raw.push(rms); } // the first few warm up both JITs
      }
      const o = median(ours);
      const r = median(raw);
      rows.push({ area: "lsp", what: `didChange → publishDiagnostics over stdio, ${lines.toLocaleString("en")} lines`, ours: o, reference: r, referenceLabel: "smol-toml + ajv in-process", unit: "ms",
        goal: lines === 10_000 ? "≤ 1.5x raw and < 50 ms" : "≤ 1.5x raw", met: o <= 1.5 * r && (lines !== 10_000 || o < 50) });
      ctx.log(`${lines} lines: ours ${o.toFixed(3)} ms, raw ${r.toFixed(3)} ms`);
      if (lines === 1_000) {
        const position = { line, character: 3 };
        const comp = [];
        const bare = [];
        for (let i = 0; i < runs + 5; i++) {
          const t0 = process.hrtime.bigint();
          const list = await server.conn.sendRequest("textDocument/completion", { textDocument: { uri }, position });
          const cms = Number(process.hrtime.bigint() - t0) / 1e6;
          if ((list?.items ?? []).length === 0) throw new Error("completion returned nothing inside the allowlist");
          const b0 = process.hrtime.bigint();
          await server.conn.sendRequest("remo/noSuchMethod", {}).catch(() => undefined);
          const bms = Number(process.hrtime.bigint() - b0) / 1e6;
          if (i >= 5) { comp.push(cms); bare.push(bms); }
        }
        rows.push({ area: "lsp", what: "completion in the allowlist, 1,000 lines", ours: median(comp), reference: median(bare), referenceLabel: "bare JSON-RPC round trip", unit: "ms", goal: "< 50 ms", met: median(comp) < 50 });
      }
      await server.conn.sendNotification("textDocument/didClose", { textDocument: { uri } });
    }
  } finally {
    const exited = new Promise((resolve) => server.child.once("exit", resolve));
    await server.conn.sendRequest("shutdown").catch(() => undefined);
    await server.conn.sendNotification("exit").catch(() => undefined);
    const timer = setTimeout(() => server.child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
    server.conn.dispose();
  }
  return rows;
}
