// Opens the audit panel for one node: the one wiring shared by Show Audit and the Remo view's
// row action. The panel's code is evaluated on first use, not at activation.
import type * as vscode from "vscode";
import { projectNamePattern } from "#protocol";
import type { NodeEntry } from "../node/node-registry.ts";
import { nodeClientDeps, type CommandDeps } from "../ui/deps.ts";
import { projectName } from "../workspace/workspace-files.ts";
import { notifyAuditAlerts } from "./audit-notify.ts";
import type { AuditPanel } from "./audit-panel.ts";

/**
 * Opens (or reveals) the audit webview for the node `node()` names at each refresh, about the
 * project of `folder`: its alerts and last-fetch times count that project only, and the panel
 * starts filtered to it.
 */
export async function openAuditPanel(deps: CommandDeps, node: () => NodeEntry | undefined, folder: vscode.WorkspaceFolder | undefined): Promise<AuditPanel> {
  const { AuditPanel: Panel } = await import("./audit-panel.ts");
  const project = async (): Promise<string | undefined> => (folder === undefined ? undefined : await projectName(folder));
  return Panel.show({
    extensionUri: deps.context.extensionUri,
    node,
    project,
    ...(folder === undefined ? {} : { folderUri: folder.uri }),
    // A manifest with errors still names its project by its folder (the broker's project name),
    // so its alerts never count another project's refusals.
    onRecords: async (records, entry) => notifyAuditAlerts(records, entry, await project() ?? folderProject(folder)),
    clientDeps: nodeClientDeps,
    onFetched: (m) => {
      deps.lastFetched.clear();
      for (const [k, v] of m) deps.lastFetched.set(k, v);
      deps.publishSecretState();
    },
  });
}

/** The folder's name when it is a valid project name (what the broker registered). */
function folderProject(folder: vscode.WorkspaceFolder | undefined): string | undefined {
  const name = folder?.name;
  return name !== undefined && projectNamePattern.test(name) ? name : undefined;
}
