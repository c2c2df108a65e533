import * as vscode from "vscode";

let channel: vscode.LogOutputChannel | undefined;

/** The one Remo log channel, created on first use so activation stays cheap (taplo getOutput()). */
export function getLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel("Remo", { log: true });
  return channel;
}

/** Disposes the log channel if it was ever created. */
export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}
