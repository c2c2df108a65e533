// Create Manifest through the real command: the workspace scan, the generated location
// (.remo/broker.toml, the second language pattern) and the idempotent .gitignore block.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateExtension, plain, readWs, waitFor, wsUri } from "./util.ts";

suite("Create Manifest", () => {
  const committed = wsUri(".devcontainer", "remo-broker.toml");
  const aside = wsUri(".devcontainer", "remo-broker.toml.aside");

  suiteSetup(async () => {
    await activateExtension();
    // The fixture already has a manifest; set it aside so the command creates one.
    await vscode.workspace.fs.rename(committed, aside);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.commands.executeCommand("notifications.clearAll");
    await vscode.workspace.fs.delete(wsUri(".remo"), { recursive: true });
    await vscode.workspace.fs.delete(wsUri(".gitignore"));
    await vscode.workspace.fs.rename(aside, committed);
  });

  test("writes .remo/broker.toml with the names found in the workspace and git-ignores it", async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>("remo.createManifest", { acceptScan: true, location: "remo" });
    assert.equal(uri.toString(), wsUri(".remo", "broker.toml").toString());
    // The names the scan marks as credentials (process.env.X, os.environ, .env.example), pre-selected.
    assert.equal(await readWs(".remo", "broker.toml"), [
      "# Remo Secrets manifest: the secrets this project's containers may fetch from the broker.",
      "# Names only. Set values with \"Remo: Set Secret\" and send them with \"Remo: Push Secrets\".",
      "schema_version = 1",
      "",
      "[project]",
      "name = \"remo-fixture\"",
      "",
      "[allowlist]",
      "secrets = [",
      "  \"GITHUB_TOKEN\",",
      "  \"NPM_TOKEN\",",
      "  \"SENTRY_DSN\",",
      "]",
      "",
    ].join("\n"));
    const gitignore = await readWs(".gitignore");
    assert.equal(gitignore.split("\n").filter((l) => l.trim() === ".remo/").length, 1, gitignore);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, "remo-manifest");
    // Valid as written: the server reports no errors (values are set by the editing suite).
    const diags = await waitFor("the new manifest to be validated", () => plain(vscode.languages.getDiagnostics(uri)), (d) => !d.some((x) => x.severity === "Error"), 30_000);
    assert.deepEqual(diags.filter((d) => d.severity === "Error"), []);
  });

  test("running it again keeps the manifest and adds nothing to .gitignore", async () => {
    const before = [await readWs(".remo", "broker.toml"), await readWs(".gitignore")];
    await vscode.commands.executeCommand("remo.createManifest", { acceptScan: true, location: "remo" });
    assert.deepEqual([await readWs(".remo", "broker.toml"), await readWs(".gitignore")], before);
  });
});
