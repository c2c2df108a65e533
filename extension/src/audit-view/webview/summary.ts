// The audit view's per-secret summary table and reads-over-time chart (runs in the webview).
// Text goes in through textContent only; the chart is markup from a pure function parsed as SVG.
import type { AuditRecord } from "#protocol";
import type { AuditFilters } from "#protocol/webview";
import { summarizeSecrets } from "../audit-summary.ts";
import { buildReadsSeries, renderReadsChart } from "../audit-chart.ts";

const svgParser = new DOMParser();

function cell(text: string, title?: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (title !== undefined) td.title = title;
  if (className !== undefined) td.className = className;
  return td;
}

/** Renders the summary of the records that match the project/secret filters into `table` and the chart into `chart`. */
export function renderSummary(records: readonly AuditRecord[], f: AuditFilters, table: HTMLTableElement, chart: HTMLElement): void {
  // Day buckets and labels in the browser's zone, as the user reads the Time column.
  const utcOffsetMinutes = -new Date().getTimezoneOffset();
  const project = f.project;
  const summaries = summarizeSecrets(records, { ...(project === undefined ? {} : { project }), utcOffsetMinutes })
    .filter((s) => f.secret === undefined || s.secret === f.secret);
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren(...summaries.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.secret = s.secret;
    const days = s.perDay.slice(-3).reverse().map((d) => `${d.day.slice(5)}: ${d.reads}`).join(" · ");
    const readers = s.readers.slice(0, 3).map((r) => `${r.who} (${r.reads})`).join(", ") + (s.readers.length > 3 ? `, +${s.readers.length - 3}` : "");
    tr.append(
      cell(s.secret),
      cell(String(s.reads)),
      cell(days, s.perDay.map((d) => `${d.day}: ${d.reads}`).join("\n")),
      cell(s.lastRead === undefined ? "never" : new Date(s.lastRead).toLocaleString(), s.lastRead),
      cell(readers, s.readers.map((r) => `${r.who}: ${r.reads}`).join("\n")),
      cell(s.refusals === 0 ? "" : String(s.refusals), undefined, s.refusals === 0 ? undefined : "outcome-bad"),
    );
    return tr;
  }));
  table.hidden = summaries.length === 0;
  const title = `Reads over time${f.secret === undefined ? "" : ` of ${f.secret}`}${project === undefined ? "" : ` in ${project}`}`;
  const svg = renderReadsChart(buildReadsSeries(records, { ...(project === undefined ? {} : { project }), ...(f.secret === undefined ? {} : { secret: f.secret }), utcOffsetMinutes }), { title, utcOffsetMinutes, width: 560, height: 120 });
  const doc = svgParser.parseFromString(svg, "image/svg+xml");
  chart.replaceChildren(document.importNode(doc.documentElement, true));
}
