// Asks the harness's driver (drive.mjs, HARNESS_UI_DIR) to do one UI step in the browser as a
// user would — click a dialog button, type into an input box, pick a quick-pick row, read the
// status bar, read or click a view's rows — while a command waits on it, and returns what the screen showed.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./util.ts";

/** A UI step. `text` of an input is typed (and never logged or written back). */
export type UiRequest =
  | { do: "dialog"; button: string }
  | { do: "input"; text?: string }
  | { do: "pick"; label: string }
  /** Accept the visible quick pick as it stands (Enter), e.g. a multi-select with rows pre-checked. */
  | { do: "accept" }
  | { do: "diff" }
  /** Read a status bar item (`id` is `<extension id>.<item id>`); `hover` also reads its tooltip. */
  | { do: "statusbar"; id: string; hover?: boolean }
  /** Read a side-bar view pane (by its title) as shown: `labels` its rows, `text` all of it (welcome content too); optionally save a screenshot (the side bar dragged to `sidebarWidth` px first). */
  | { do: "view"; title: string; screenshot?: string; sidebarWidth?: number }
  /** Hover a row of a view pane and click its inline action whose label starts with `action`; `labels` are the row's actions. */
  | { do: "inline"; title: string; row: string; action: string }
  /** Click a row of a view pane (expands or collapses it); `labels` is its aria-expanded after. */
  | { do: "row"; title: string; row: string }
  /** The open walkthrough's steps as `<step id>=<aria-checked>`. */
  | { do: "walkthrough" };

/** What the driver saw while doing the step. */
export interface UiAnswer { ok: boolean; error?: string; text?: string; buttons?: string[]; type?: string | null; value?: string; title?: string; message?: string; labels?: string[]; tab?: string; icons?: string[]; tooltip?: string }

let seq = 0;

/** True when the harness answers UI requests (the trusted and the virtual-workspace runs). */
export function uiAvailable(): boolean {
  return (process.env.HARNESS_UI_DIR ?? "") !== "";
}

/** Does `req` in the browser and resolves with what was on screen; rejects when the driver failed. */
export async function ui(req: UiRequest): Promise<UiAnswer> {
  const dir = process.env.HARNESS_UI_DIR;
  if (dir === undefined || dir === "") throw new Error("HARNESS_UI_DIR is not set: this test needs the harness's UI driver");
  const n = String(++seq).padStart(4, "0");
  const file = join(dir, `${n}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(req));
  renameSync(`${file}.tmp`, file);
  const done = join(dir, `${n}.done.json`);
  await waitFor(`the UI driver to do ${req.do}`, () => existsSync(done), (d) => d, 60_000);
  const answer = JSON.parse(readFileSync(done, "utf8")) as UiAnswer;
  rmSync(done, { force: true });
  if (!answer.ok) throw new Error(`UI step ${JSON.stringify({ ...req, text: undefined })} failed: ${answer.error ?? "?"}`);
  return answer;
}

/** Id of the Remo status bar item in the workbench: `<extension id>.<item id>`. */
const remoStatusId = "remo.remo-secrets.remo.status";

/**
 * The Remo status bar item as the browser renders it, read until `done` holds (it re-renders as
 * state arrives); with `hover`, its tooltip is read once the text is right.
 */
export async function remoStatusBar(done: (seen: UiAnswer) => boolean, hover = false): Promise<UiAnswer> {
  await waitFor("the Remo status bar item", async () => await ui({ do: "statusbar", id: remoStatusId }), done, 30_000);
  return await ui({ do: "statusbar", id: remoStatusId, hover });
}
