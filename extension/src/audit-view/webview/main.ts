// Runs inside the audit webview (browser, strict CSP): renders records, applies filters,
// and talks to the extension only through checked messages.
import type { AuditEvent, AuditOutcome, AuditRecord } from "#protocol";
import { isToWebview, type AuditFilters, type FromWebview } from "#protocol/webview";
import { containerLabel, distinctValues, filterRecords } from "../audit-data.ts";
import { isRefusal } from "../audit-summary.ts";
import { renderSummary } from "./summary.ts";

interface VsCodeApi { postMessage(m: FromWebview): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`missing #${id}`);
  return el;
};
const $select = (id: string): HTMLSelectElement => $(id) as HTMLSelectElement;
const $input = (id: string): HTMLInputElement => $(id) as HTMLInputElement;

let records: AuditRecord[] = [];
/** The project the extension last asked the view to filter to. */
let focusedProject: string | undefined;
const selects = { project: $select("f-project"), secret: $select("f-secret"), event: $select("f-event"), outcome: $select("f-outcome") };
const since = $input("f-since");
const until = $input("f-until");
const tail = $input("tail");
const body = ($("records") as HTMLTableElement).createTBody();

function filters(): AuditFilters {
  const f: AuditFilters = {};
  if (selects.project.value !== "") f.project = selects.project.value;
  if (selects.secret.value !== "") f.secret = selects.secret.value;
  if (selects.event.value !== "") f.event = selects.event.value as AuditEvent;
  if (selects.outcome.value !== "") f.outcome = selects.outcome.value as AuditOutcome;
  // datetime-local is local time without a zone; Date parses it as local, as the user meant.
  if (since.value !== "") f.since = new Date(since.value).toISOString();
  if (until.value !== "") f.until = new Date(until.value).toISOString();
  return f;
}

function fillSelect(sel: HTMLSelectElement, values: string[]): void {
  const keep = sel.value;
  while (sel.options.length > 1) sel.remove(1);
  for (const v of values) sel.add(new Option(v, v));
  sel.value = values.includes(keep) ? keep : "";
}

function render(freshFrom = Infinity): void {
  fillSelect(selects.project, distinctValues(records, "project"));
  fillSelect(selects.secret, distinctValues(records, "secret"));
  fillSelect(selects.event, distinctValues(records, "event"));
  fillSelect(selects.outcome, distinctValues(records, "outcome"));
  const rows = filterRecords(records, filters());
  body.replaceChildren(...rows.map((r) => row(r, records.indexOf(r) >= freshFrom)));
  $("summary").textContent = `${rows.length} of ${records.length} records${tail.checked ? " · following new records" : ""}`;
  renderSummary(records, filters(), $("secret-summary") as HTMLTableElement, $("chart"));
  vscode.setState({ filters: filters() });
}

function row(r: AuditRecord, fresh: boolean): HTMLTableRowElement {
  const tr = document.createElement("tr");
  // Refusals stand out: a container asked for something the broker would not give.
  tr.className = [fresh ? "fresh" : "", isRefusal(r) ? "refused" : ""].join(" ").trim();
  const peer = r.peer_uid === undefined ? "" : `uid ${r.peer_uid}${r.peer_pid === undefined ? "" : ` pid ${r.peer_pid}`}`;
  const container = containerLabel(r);
  // Count: an aggregated refusal's repeats (×N), else a push's secret count.
  const count = r.count !== undefined ? `×${r.count}` : r.secret_count === undefined ? "" : String(r.secret_count);
  const cells = [new Date(r.ts).toLocaleString(), r.event, r.project ?? "", r.secret ?? "", r.outcome ?? "", peer, container.text, count];
  for (const [i, text] of cells.entries()) {
    const td = document.createElement("td");
    td.textContent = text; // textContent only: record fields are never parsed as HTML
    if (i === 0) td.title = r.ts;
    if (i === 6 && container.title !== "") td.title = container.title;
    if (i === 4 && r.outcome !== undefined) td.className = r.outcome === "ok" ? "outcome-ok" : "outcome-bad";
    tr.append(td);
  }
  return tr;
}

function showError(message: string | undefined): void {
  const el = $("error");
  el.hidden = message === undefined;
  el.textContent = message ?? "";
}

window.addEventListener("message", (ev: MessageEvent<unknown>) => {
  const m = ev.data;
  if (!isToWebview(m)) return;
  switch (m.type) {
    case "records":
      records = m.records;
      showError(undefined);
      // The project the panel was opened for: filter to it once, then the user's choice stands.
      if (m.project !== undefined && m.project !== focusedProject) {
        focusedProject = m.project;
        fillSelect(selects.project, distinctValues(records, "project"));
        if (distinctValues(records, "project").includes(m.project)) selects.project.value = m.project;
      }
      $("node").textContent = `· ${m.node} · fetched ${new Date(m.fetchedAt).toLocaleTimeString()}`;
      render();
      return;
    case "append": {
      const from = records.length;
      records = [...records, ...m.records];
      render(from);
      return;
    }
    case "error":
      showError(m.message);
      $("summary").textContent = "";
      return;
    case "tail":
      tail.checked = m.active;
      render();
      return;
  }
});

for (const el of [...Object.values(selects), since, until]) el.addEventListener("change", () => { render(); });
$("clear-filters").addEventListener("click", () => {
  for (const s of Object.values(selects)) s.value = "";
  since.value = "";
  until.value = "";
  render();
});
$("refresh").addEventListener("click", () => { vscode.postMessage({ type: "refresh" }); });
$("export").addEventListener("click", () => { vscode.postMessage({ type: "export", filters: filters() }); });
tail.addEventListener("change", () => { vscode.postMessage({ type: "setTail", active: tail.checked }); });

vscode.postMessage({ type: "ready" });
