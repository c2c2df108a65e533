// The one place errors become notifications, with the buttons error-view.ts chose.
import * as vscode from "vscode";
import { getLog } from "../log.ts";
import { viewError } from "./error-view.ts";

/** Shows an error notification (modal for pin failures) and runs the chosen action. */
export async function notifyError(e: unknown, node?: string): Promise<void> {
  const view = viewError(e, node);
  if (view === undefined) return;
  getLog().error(`${view.message}${view.detail === undefined ? "" : ` ${view.detail}`}`);
  const titles = view.actions.map((a) => a.title);
  const picked = view.modal
    ? await vscode.window.showErrorMessage(view.message, { modal: true, ...(view.detail === undefined ? {} : { detail: view.detail }) }, ...titles)
    : await vscode.window.showErrorMessage(view.message, ...titles);
  const action = view.actions.find((a) => a.title === picked);
  if (action !== undefined) await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
}
