// Restricted Mode (run by run.mjs in a second harness pass with HARNESS_UNTRUSTED=1): the
// manifest is still validated, but nothing is written or sent (docs/architecture.md#restricted-mode).
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateExtension, readWs, waitFor, wsUri } from "./util.ts";

suite("untrusted workspace", () => {
  suiteSetup(async () => {
    await activateExtension();
  });

  test("the folder is open in Restricted Mode and the extension is active", () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(vscode.extensions.getExtension("remo.remo-secrets")?.isActive, true);
  });

  test("the manifest is still validated", async () => {
    const uri = wsUri(".devcontainer", "remo-broker.toml");
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await waitFor("the bad-name diagnostic", () => vscode.languages.getDiagnostics(uri).map((d) => String(typeof d.code === "object" ? d.code.value : d.code)), (c) => c.includes("bad-secret-name"));
  });

  test("Push, Clear, Synthesize, Add Node and Install Broker refuse with a message that says how to trust", async () => {
    const devcontainer = await readWs(".devcontainer", "devcontainer.json");
    const target = { name: "n", host: "127.0.0.1", port: 9, projectPath: "/srv/remo-fixture" };
    const calls: [string, unknown[]][] = [
      ["remo.pushSecrets", []],
      ["remo.clearSecretsOnNode", [{ confirm: true }]],
      ["remo.synthesizeDevcontainer", [{ confirm: true }]],
      ["remo.addNode", [{ target, confirm: true }]],
      ["remo.installBrokerOnNode", ["n", { confirm: true }]],
    ];
    for (const [command, args] of calls) {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand(command, ...args)), (e: unknown) => {
        assert.equal((e as { code?: unknown }).code, "untrusted", `${command}: ${String(e)}`);
        assert.match((e as Error).message, /needs a trusted workspace: in restricted mode Remo only validates\. Trust this folder/);
        return true;
      });
    }
    assert.equal(await readWs(".devcontainer", "devcontainer.json"), devcontainer, "Synthesize wrote nothing");
  });
});
