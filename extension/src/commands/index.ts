// The command table: one line per command, each wrapped so errors become one notification.
import * as vscode from "vscode";
import type { SET_SECRET_COMMAND } from "#protocol";
import { getLog } from "../log.ts";
import { guarded, type CommandDeps } from "../ui/deps.ts";
import { createManifest } from "./create-manifest.ts";
import { listSecrets, removeSecret, setSecret } from "./secrets.ts";
import { importDotenv } from "./import-dotenv.ts";
import { addNode, removeNode, repinNode, selectNode } from "./nodes.ts";
import { synthesizeDevcontainer } from "./synthesize-devcontainer.ts";
import { clearSecretsOnNode, pushSecrets } from "./push.ts";
import { showAudit } from "./show-audit.ts";
import { reviewApprovals } from "./approvals.ts";
import { installBrokerOnNode, showBrokerStatus } from "./broker.ts";
import { ProposedContent, proposedScheme } from "../ui/proposed-content.ts";
import type { RemoView } from "../remo-view/remo-view.ts";
import { rowField, showAuditFor } from "../remo-view/view-commands.ts";
import type { Walkthrough } from "../walkthrough/walkthrough.ts";

/** Registers every `remo.*` command; `view` hears each command's end (the Remo view re-renders). */
export function registerCommands(deps: CommandDeps, view?: Pick<RemoView, "refresh" | "afterCommand">, walkthrough?: Walkthrough): void {
  const proposed = new ProposedContent();
  const node = (): string | undefined => deps.nodes.workspaceNode()?.target.name;
  const nameOr = (a: unknown): string | undefined => (typeof a === "string" ? a : node());
  const table: [string, (...args: never[]) => Promise<unknown>][] = [
    ["remo.createManifest", guarded((o?: unknown) => createManifest(deps, o))],
    // The literal is what package.json contributes; `satisfies` ties it to the id the server's quick fix runs.
    ["remo.setSecret" satisfies typeof SET_SECRET_COMMAND, guarded((n?: unknown, o?: unknown) => setSecret(deps, n, o))],
    ["remo.removeSecret", guarded((n?: unknown) => removeSecret(deps, n))],
    ["remo.listSecrets", guarded((o?: unknown) => listSecrets(deps, o))],
    ["remo.importDotenv", guarded((u?: unknown, o?: unknown) => importDotenv(deps, u, o))],
    ["remo.addNode", guarded((o?: unknown) => addNode(deps, o))],
    ["remo.removeNode", guarded((n?: unknown) => removeNode(deps, n))],
    ["remo.repinNode", guarded((n?: unknown, o?: unknown) => repinNode(deps, n, o), nameOr)],
    ["remo.selectNode", guarded((n?: unknown) => selectNode(deps, n))],
    // A Remo view folder row passes itself: Synthesize acts on that row's folder.
    ["remo.synthesizeDevcontainer", guarded((o?: unknown) => synthesizeDevcontainer(deps, proposed, o, o), node)],
    ["remo.pushSecrets", guarded((o?: unknown) => pushSecrets(deps, o), node)],
    ["remo.clearSecretsOnNode", guarded((o?: unknown) => clearSecretsOnNode(deps, o), node)],
    ["remo.reviewApprovals", guarded((o?: unknown) => reviewApprovals(deps, o))],
    ["remo.showAudit", guarded((f?: unknown) => showAudit(deps, f), node)],
    ["remo.showBrokerStatus", guarded((o?: unknown) => showBrokerStatus(deps, o), node)],
    ["remo.installBrokerOnNode", guarded((n?: unknown, o?: unknown) => installBrokerOnNode(deps, n, o), nameOr)],
    ["remo.showLog", () => { getLog().show(true); return Promise.resolve(); }],
    ["remo.getStarted", guarded(async () => { await walkthrough?.getStarted(); })],
    // The Remo view's title and inline actions: they get the clicked row.
    ["remo.refreshView", guarded(async () => { await view?.refresh(); })],
    ["remo.viewSetValue", guarded((r?: unknown, o?: unknown) => setSecret(deps, rowField(r, "secret"), o))],
    ["remo.viewPush", guarded((r?: unknown, o?: unknown) => pushSecrets(deps, o, rowField(r, "node"), r), (r?: unknown) => rowField(r, "node"))],
    ["remo.viewShowAudit", guarded((r?: unknown) => showAuditFor(deps, r), (r?: unknown) => rowField(r, "node"))],
    // A folder row of a multi-root workspace's Remo view: the same commands for that row's folder.
    ["remo.viewPushFolder", guarded((r?: unknown, o?: unknown) => pushSecrets(deps, o, undefined, r))],
    ["remo.viewShowAuditFolder", guarded((r?: unknown) => showAudit(deps, r))],
    ["remo.viewRepin", guarded((r?: unknown, o?: unknown) => repinNode(deps, rowField(r, "node"), o), (r?: unknown) => rowField(r, "node"))],
  ];
  deps.context.subscriptions.push(
    proposed,
    vscode.workspace.registerTextDocumentContentProvider(proposedScheme, proposed),
    ...table.map(([id, fn]) => vscode.commands.registerCommand(id, async (...args: never[]) => {
      deps.markUsed();
      let result: unknown;
      try {
        result = await fn(...args);
        return result;
      } finally {
        view?.afterCommand(id, result);
      }
    })),
  );
}
