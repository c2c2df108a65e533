// Reads over time as a small inline SVG bar chart. Pure (records in, markup out), so the webview
// needs no chart library and its CSP stays strict: the markup has no script, no inline style and
// no external reference; colours come from classes in the panel's nonce'd stylesheet.
import type { AuditRecord } from "#protocol";
import { isRefusal, recordWeight } from "./audit-summary.ts";

/** One bar: a time bucket with its successful and refused reads. */
export interface ReadsBin {
  /** Bucket start, ms since the epoch. */
  start: number;
  reads: number;
  refusals: number;
}

/** Reads bucketed over the span the records cover. */
export interface ReadsSeries {
  bucketMs: number;
  bins: ReadsBin[];
}

/** Options for {@link buildReadsSeries}. */
export interface SeriesOptions {
  project?: string;
  secret?: string;
  /** At most this many bars (default 30). */
  maxBins?: number;
  /** At least this many bars, empty ones before the first record, so a short span still reads as time (default 12). */
  minBins?: number;
  /** Minutes east of UTC, so hour and day buckets start on local boundaries (default 0). */
  utcOffsetMinutes?: number;
}

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
/** Bucket sizes a reader recognises at a glance. */
const bucketSizes = [minute, 5 * minute, 15 * minute, hour, 3 * hour, 6 * hour, 12 * hour, day, 7 * day, 30 * day];

/** Buckets the `secret.get` records (and refusals) of a project/secret into at most `maxBins` bars. */
export function buildReadsSeries(records: readonly AuditRecord[], opts: SeriesOptions = {}): ReadsSeries {
  const maxBins = Math.max(1, opts.maxBins ?? 30);
  const offset = (opts.utcOffsetMinutes ?? 0) * minute;
  const points: { t: number; ok: number; refused: number }[] = [];
  for (const r of records) {
    if (r.event !== "secret.get" && r.event !== "peer.unexpected") continue;
    if (opts.project !== undefined && r.project !== opts.project) continue;
    if (opts.secret !== undefined && r.secret !== opts.secret) continue;
    const t = Date.parse(r.ts);
    if (Number.isNaN(t)) continue;
    if (isRefusal(r)) points.push({ t, ok: 0, refused: recordWeight(r) });
    else if (r.outcome === "ok") points.push({ t, ok: recordWeight(r), refused: 0 });
  }
  if (points.length === 0) return { bucketMs: hour, bins: [] };
  const first = Math.min(...points.map((p) => p.t));
  const last = Math.max(...points.map((p) => p.t));
  const floorTo = (t: number, size: number): number => Math.floor((t + offset) / size) * size - offset;
  const bucketMs = bucketSizes.find((s) => (floorTo(last, s) - floorTo(first, s)) / s + 1 <= maxBins) ?? Math.ceil((last - first + 1) / maxBins);
  const minBins = Math.min(maxBins, Math.max(1, opts.minBins ?? 12));
  const end = floorTo(last, bucketMs);
  const start = Math.min(floorTo(first, bucketMs), end - (minBins - 1) * bucketMs);
  const count = Math.floor((end - start) / bucketMs) + 1;
  const bins: ReadsBin[] = Array.from({ length: count }, (_, i) => ({ start: start + i * bucketMs, reads: 0, refusals: 0 }));
  for (const p of points) {
    const bin = bins[Math.floor((p.t - start) / bucketMs)];
    if (bin === undefined) continue;
    bin.reads += p.ok;
    bin.refusals += p.refused;
  }
  return { bucketMs, bins };
}

/** Options for {@link renderReadsChart}. */
export interface ChartOptions {
  width?: number;
  height?: number;
  /** Minutes east of UTC for the axis labels (default 0). */
  utcOffsetMinutes?: number;
  /** The chart's accessible name. */
  title?: string;
}

/** A bucket's start as `MM-DD HH:MM` (or `YYYY-MM-DD` for day buckets) at the given offset. */
export function bucketLabel(start: number, bucketMs: number, utcOffsetMinutes = 0): string {
  const iso = new Date(start + utcOffsetMinutes * minute).toISOString();
  return bucketMs >= day ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * An SVG bar chart of a series: reads stacked under refusals, one `<title>` per bar for the
 * hover text, the first and last bucket on the time axis and the tallest bar's total on the
 * value axis. Every number is rounded; every text is escaped.
 */
export function renderReadsChart(series: ReadsSeries, opts: ChartOptions = {}): string {
  const width = opts.width ?? 480;
  const height = opts.height ?? 120;
  const title = escapeXml(opts.title ?? "Reads over time");
  const open = `<svg xmlns="http://www.w3.org/2000/svg" class="reads-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}"><title>${title}</title>`;
  if (series.bins.length === 0) {
    return `${open}<text class="chart-empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">No reads recorded yet</text></svg>`;
  }
  const left = 28;
  const bottom = 18;
  const top = 6;
  const plotW = width - left - 4;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...series.bins.map((b) => b.reads + b.refusals));
  const slot = plotW / series.bins.length;
  // Thin bars at any width: a few bars stretched across the chart read as one block.
  const barW = Math.max(1, Math.round(Math.min(slot * 0.8, 24) * 10) / 10);
  const y = (v: number): number => Math.round((top + plotH - (v / max) * plotH) * 10) / 10;
  const parts: string[] = [open];
  parts.push(`<line class="chart-axis" x1="${left}" y1="${top + plotH}" x2="${width - 4}" y2="${top + plotH}"/>`);
  parts.push(`<text class="chart-label" x="${left - 4}" y="${top + 8}" text-anchor="end">${max}</text>`);
  parts.push(`<text class="chart-label" x="${left - 4}" y="${top + plotH}" text-anchor="end">0</text>`);
  series.bins.forEach((b, i) => {
    const x = Math.round((left + i * slot + (slot - barW) / 2) * 10) / 10;
    const tip = escapeXml(`${bucketLabel(b.start, series.bucketMs, opts.utcOffsetMinutes)}: ${plural(b.reads, "read", "reads")}${b.refusals > 0 ? `, ${plural(b.refusals, "refusal", "refusals")}` : ""}`);
    const g: string[] = [`<g class="chart-bin"><title>${tip}</title>`];
    if (b.reads > 0) g.push(`<rect class="bar-read" x="${x}" y="${y(b.reads)}" width="${barW}" height="${Math.round((top + plotH - y(b.reads)) * 10) / 10}"/>`);
    if (b.refusals > 0) g.push(`<rect class="bar-refused" x="${x}" y="${y(b.reads + b.refusals)}" width="${barW}" height="${Math.round((y(b.reads) - y(b.reads + b.refusals)) * 10) / 10}"/>`);
    g.push("</g>");
    parts.push(g.join(""));
  });
  const firstBin = series.bins[0];
  const lastBin = series.bins.at(-1);
  if (firstBin !== undefined) parts.push(`<text class="chart-label" x="${left}" y="${height - 4}">${escapeXml(bucketLabel(firstBin.start, series.bucketMs, opts.utcOffsetMinutes))}</text>`);
  if (lastBin !== undefined && series.bins.length > 1) parts.push(`<text class="chart-label" x="${width - 4}" y="${height - 4}" text-anchor="end">${escapeXml(bucketLabel(lastBin.start, series.bucketMs, opts.utcOffsetMinutes))}</text>`);
  parts.push("</svg>");
  return parts.join("");
}
