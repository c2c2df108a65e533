// activate/deactivate: wiring only. Commands and the status bar come first; the language
// client starts without blocking activation.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { ApprovalStore } from "./approvals/approval-store.ts";
import { shownApprovalPrompt } from "./approvals/approval-prompt.ts";
import { registerCommands } from "./commands/index.ts";
import { isTestMode } from "./ui/deps.ts";
import { currentFolderUri, windowProposal } from "./workspace/workspace-node.ts";
import { remindIfPushDue } from "./commands/push.ts";
import { registerDevcontainerDiagnostics } from "./devcontainer/devcontainer-diagnostics.ts";
import { createLanguageClient, sendSecretState, whenRemoIsUsed } from "./language-client.ts";
import { disposeLog, getLog } from "./log.ts";
import { NodeRegistry } from "./node/node-registry.ts";
import { SecretStore } from "./secrets/secret-store.ts";
import { execFileRunner } from "./secrets/secret-sources.ts";
import { readSecretSources, readSettings } from "./settings.ts";
import { RemoStatusBar } from "./status/status-bar.ts";
import { RemoView } from "./remo-view/remo-view.ts";
import { registerWalkthrough } from "./walkthrough/walkthrough.ts";

let client: LanguageClient | undefined;

/** Entry point: called on the manifest language, a Remo command, or a workspace that has a manifest. */
export function activate(context: vscode.ExtensionContext): { shownApprovalPrompt: typeof shownApprovalPrompt; remoView: RemoView } | undefined {
  const secrets = new SecretStore(context, readSecretSources, { env: process.env, run: execFileRunner, timeoutMs: () => readSettings().sourceTimeoutMs });
  const nodes = new NodeRegistry(context.globalState, context.workspaceState, currentFolderUri);
  const approvals = new ApprovalStore(context.globalState);
  const statusBar = new RemoStatusBar();
  const lastFetched = new Map<string, string>();
  const publishSecretState = (): void => {
    if (client !== undefined) void sendSecretState(client, secrets.states(lastFetched)).catch((e: unknown) => { getLog().warn(`could not send secret state: ${String(e)}`); });
  };
  let markUsed = (): void => undefined;
  const deps = { context, secrets, nodes, approvals, statusBar, lastFetched, publishSecretState, markUsed: () => { markUsed(); } };
  const remoView = new RemoView(deps);
  context.subscriptions.push(remoView);
  registerCommands(deps, remoView, registerWalkthrough(context, remoView));
  const ws = nodes.workspaceNode();
  statusBar.reset(ws === undefined ? {} : { node: ws.target.name });
  const here = windowProposal(vscode.workspace.workspaceFolders?.[0]);
  statusBar.setWindowNode(here === undefined ? undefined : `${here.alias} (${here.via})`);
  context.subscriptions.push(
    secrets, statusBar,
    secrets.onDidChange(publishSecretState),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration("remo.secretSources")) publishSecretState(); }),
  );
  registerDevcontainerDiagnostics(context);

  // A devcontainer.json alone activates us for its diagnostics: the server and the status bar
  // wait until the workspace turns out to use Remo (a manifest, a node, or a command).
  markUsed = whenRemoIsUsed(context, ws !== undefined, () => {
    statusBar.show();
    createLanguageClient(context).then(async (c) => {
      client = c;
      await c.start();
      publishSecretState();
    }).catch((e: unknown) => {
      getLog().error(`The Remo manifest language server did not start: ${e instanceof Error ? e.message : String(e)}`);
      void vscode.window.showErrorMessage("Remo: the manifest language server did not start. Manifests are not validated until it does.", "Show Log")
        .then((pick) => { if (pick === "Show Log") getLog().show(); });
    });
  });
  const problems = readSecretSources().problems;
  if (problems.length > 0) void vscode.window.showWarningMessage(problems.join(" "), "Open User Settings").then((p) => { if (p !== undefined) void vscode.commands.executeCommand("workbench.action.openSettings", "remo.secretSources"); });
  // The reminder waits for the window to settle; it only runs when a node and a manifest exist.
  const timer = setTimeout(() => { void remindIfPushDue(deps).catch(() => undefined); }, 10_000);
  context.subscriptions.push({ dispose: () => { clearTimeout(timer); } });
  // Under the test harness only: what an open approval prompt shows, so a test can check what
  // the user would read before it accepts the prompt through the UI; and the Remo view's rows.
  return isTestMode() ? { shownApprovalPrompt, remoView } : undefined;
}

/** Stops the language server and drops the log channel. */
export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  try {
    await c?.stop();
  } finally {
    disposeLog();
  }
}
