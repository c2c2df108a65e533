// `npm run bench`: runs every bench/*.bench.mjs and prints one table, each of our
// figures beside its reference measured in the same run (ratios, not absolute goals:
// the machines are shared and noisy).
//
// A bench module exports `async function run(ctx)` returning rows:
//   { area, what, ours, reference, referenceLabel, unit, goal, met }
// `ours`/`reference` are numbers in `unit`; `goal` is text; `met` a boolean or undefined.
// ctx = { root, dist, tmp, log(msg) }. A module that cannot run here returns
// [{ area, what, skipped: "why" }], which the table shows as SKIPPED.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(join(root, "bench")).filter((f) => f.endsWith(".bench.mjs") && (only.length === 0 || only.some((o) => f.includes(o)))).sort();
const rows = [];
for (const f of files) {
  const tmp = mkdtempSync(join(tmpdir(), "remo-bench-"));
  const ctx = { root, dist: join(root, "dist"), tmp, log: (m) => process.stderr.write(`[${f}] ${m}\n`) };
  process.stderr.write(`running ${f}\n`);
  try {
    const mod = await import(pathToFileURL(join(root, "bench", f)).href);
    rows.push(...(await mod.run(ctx)));
  } catch (e) {
    rows.push({ area: f, what: "(failed)", skipped: `error: ${e?.message ?? e}` });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const fmt = (v, unit) => (v === undefined ? "" : `${v < 10 ? v.toFixed(3) : v < 100 ? v.toFixed(1) : Math.round(v)} ${unit}`);
const table = [["area", "what", "ours", "reference", "ratio", "goal", "met"]];
for (const r of rows) {
  if (r.skipped) { table.push([r.area, r.what, "SKIPPED", r.skipped, "", r.goal ?? "", ""]); continue; }
  const ratio = r.reference ? (r.ours / r.reference).toFixed(2) + "x" : "";
  table.push([r.area, r.what, fmt(r.ours, r.unit), r.reference === undefined ? "" : `${fmt(r.reference, r.unit)} (${r.referenceLabel})`, ratio, r.goal ?? "", r.met === undefined ? "" : r.met ? "yes" : "NO"]);
}
// Labels such as "age | ssh" must not split a Markdown cell.
for (const row of table) for (let i = 0; i < row.length; i++) row[i] = String(row[i]).replace(/\|/g, "\\|");
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
const line = (row) => "| " + row.map((c, i) => String(c).padEnd(widths[i])).join(" | ") + " |";
const out = [line(table[0]), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...table.slice(1).map(line)].join("\n");
console.log(out);
writeFileSync(join(root, "bench", "last-run.md"), out + "\n");
