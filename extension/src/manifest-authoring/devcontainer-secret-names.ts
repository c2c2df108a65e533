// The names a project's devcontainer.json already recommends in its `secrets` block, read through
// workspace.fs (remote and virtual folders too), for completion in that project's manifest.
import * as vscode from "vscode";
import type { WorkspaceSecretName } from "#protocol/lsp";
import { projectDevcontainerPaths, readSecretsBlock } from "../devcontainer/secrets-block.ts";

/** The `secrets` entries of the devcontainer.json that belongs to the manifest at `manifestUri` ([] when none). */
export async function devcontainerSecretNames(manifestUri: string): Promise<WorkspaceSecretName[]> {
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(manifestUri, true);
  } catch {
    return [];
  }
  for (const path of projectDevcontainerPaths(uri.path)) {
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri.with({ path })));
    } catch {
      continue; // not there: try the next place
    }
    return readSecretsBlock(text).map((s) => ({ ...s, source: "devcontainer" }));
  }
  return [];
}
