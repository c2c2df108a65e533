// Value sources as a user meets them: a preset in user settings and a .env file imported into
// secret storage (then deleted), through the real commands in the extension host.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateExtension, wsUri } from "./util.ts";

interface Listing { name: string; stored: boolean; source?: string }

suite("Secret sources", () => {
  suiteSetup(async () => { await activateExtension(); });

  test("Import Secrets from .env File stores each value, reports bad lines, and deletes the file", async () => {
    const value = process.env.REMO_E2E_SECRET_VALUE ?? "import-e2e-value";
    const dotenv = wsUri(".env.import-test");
    await vscode.workspace.fs.writeFile(dotenv, new TextEncoder().encode(`# sample\nIMPORT_A=${value}\nexport IMPORT_B='b value'\nbroken line\n`));
    try {
      const result = await vscode.commands.executeCommand<{ imported: string[]; deleted: boolean }>("remo.importDotenv", undefined, { uri: dotenv.toString(), names: ["IMPORT_A", "IMPORT_B"], deleteFile: true, acceptProblems: true });
      assert.deepEqual(result, { imported: ["IMPORT_A", "IMPORT_B"], deleted: true });
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(dotenv)), "the .env file is still there");
      const listed = await vscode.commands.executeCommand<Listing[]>("remo.listSecrets", { quiet: true });
      assert.deepEqual(listed.filter((r) => r.name.startsWith("IMPORT_")).map((r) => [r.name, r.stored]), [["IMPORT_A", true], ["IMPORT_B", true]]);
    } finally {
      for (const n of ["IMPORT_A", "IMPORT_B"]) await vscode.commands.executeCommand("remo.removeSecret", n);
      await Promise.resolve(vscode.workspace.fs.delete(dotenv)).catch(() => undefined);
    }
  });

  test("a file without NAME=value lines is refused and nothing is stored", async () => {
    const dotenv = wsUri(".env.empty-test");
    await vscode.workspace.fs.writeFile(dotenv, new TextEncoder().encode("# only a comment\n"));
    try {
      await assert.rejects(
        Promise.resolve(vscode.commands.executeCommand("remo.importDotenv", undefined, { uri: dotenv.toString(), names: [], deleteFile: false })),
        /has no NAME=value lines to import\. Nothing was stored\./,
      );
      await vscode.workspace.fs.stat(dotenv);
    } finally {
      await vscode.workspace.fs.delete(dotenv);
    }
  });

  test("a preset in user settings shows where its value comes from", async () => {
    const remo = vscode.workspace.getConfiguration("remo");
    await remo.update("secretSources", { PRESET_OP: { preset: "1password", reference: "op://Private/GitHub/token" }, PRESET_ENV: { preset: "env", reference: "HOME" } }, vscode.ConfigurationTarget.Global);
    try {
      const listed = await vscode.commands.executeCommand<Listing[]>("remo.listSecrets", { quiet: true });
      assert.deepEqual(listed.filter((r) => r.name.startsWith("PRESET_")).map((r) => [r.name, r.source]), [["PRESET_ENV", "environment variable (HOME)"], ["PRESET_OP", "1Password (op://Private/GitHub/token)"]]);
    } finally {
      await remo.update("secretSources", undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
