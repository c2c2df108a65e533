// Opens the audit panel for one node: the one wiring shared by Show Audit and the Remo view's
// row action. The panel's code is evaluated on first use, not at activation.
import * as vscode from "vscode";
import type { NodeEntry } from "../node/node-registry.ts";
import { nodeClientDeps, type CommandDeps } from "../ui/deps.ts";
import { findManifest } from "../workspace/workspace-files.ts";
import type { AuditPanel } from "./audit-panel.ts";

/** Opens (or reveals) the audit webview for the node `node()` names at each refresh. */
export async function openAuditPanel(deps: CommandDeps, node: () => NodeEntry | undefined): Promise<AuditPanel> {
  const { AuditPanel: Panel } = await import("./audit-panel.ts");
  return Panel.show({
    extensionUri: deps.context.extensionUri,
    node,
    project: async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      return folder === undefined ? undefined : (await findManifest(folder))?.manifest?.project.name;
    },
    clientDeps: nodeClientDeps,
    onFetched: (m) => {
      deps.lastFetched.clear();
      for (const [k, v] of m) deps.lastFetched.set(k, v);
      deps.publishSecretState();
    },
  });
}
