// Manifest editing through the real VS Code API: language id, exact diagnostics from the
// real language server (dist/server.js), secret state flowing to it, completion, quick fixes.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateExtension, plain, readWs, waitFor, wsUri, type PlainDiagnostic } from "./util.ts";

const manifestParts = [".devcontainer", "remo-broker.toml"];

/** The exact diagnostics of test/fixtures/workspace/.devcontainer/remo-broker.toml before any value is set. */
export const expectedManifestDiagnostics: PlainDiagnostic[] = [
  { code: "duplicate-secret", severity: "Information", range: [8, 11, 8, 25], message: "\"GITHUB_TOKEN\" is listed 2 times; this first entry is kept. Remove the later copy.", source: "remo" },
  { code: "secret-value-missing", severity: "Warning", range: [8, 11, 8, 25], message: "No value for \"GITHUB_TOKEN\" on this laptop, so a push would leave it unset. Use the quick fix \"Set value…\" to store one.", source: "remo" },
  { code: "secret-value-missing", severity: "Warning", range: [8, 27, 8, 38], message: "No value for \"NPM_TOKEN\" on this laptop, so a push would leave it unset. Use the quick fix \"Set value…\" to store one.", source: "remo" },
  { code: "bad-secret-name", severity: "Error", range: [8, 40, 8, 50], message: "Secret name \"bad-name\" may only contain A–Z, a–z, 0–9 and '_' (1–128 characters). Rename it, e.g. \"bad_name\".", source: "remo" },
  { code: "duplicate-secret", severity: "Error", range: [8, 52, 8, 66], message: "\"GITHUB_TOKEN\" is already in the allowlist (item 1). Remove this duplicate.", source: "remo" },
  { code: "unknown-key", severity: "Error", range: [11, 0, 11, 3], message: "Unknown key \"ttl\". Did you mean \"ttl_seconds\"? Allowed keys in [cache]: ttl_seconds, max_entries.", source: "remo" },
];

suite("manifest editing", () => {
  const uri = wsUri(...manifestParts);
  let original = "";
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    await activateExtension();
    original = await readWs(...manifestParts);
    doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
  });

  suiteTeardown(async () => {
    // Leave the broken manifest as it was: the harness screenshots its diagnostics next.
    await restoreFile(uri, original);
  });

  test("every contributed command is registered", async () => {
    const ext = await activateExtension();
    const pkg = ext.packageJSON as { contributes: { commands: { command: string }[] } };
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !all.has(c));
    assert.deepEqual(missing, []);
  });

  test("the manifest opens with the remo-manifest language (no TOML extension needed)", () => {
    assert.equal(doc.languageId, "remo-manifest");
  });

  test("the broken manifest gets exactly the expected diagnostics", async () => {
    const seen = await waitFor("the manifest's diagnostics", () => plain(vscode.languages.getDiagnostics(uri)), (d) => sameDiagnostics(d, expectedManifestDiagnostics));
    assert.deepEqual(seen, expectedManifestDiagnostics);
  });

  test("Set Secret stores a value and the missing-value warning for it goes away", async () => {
    const missingFor = (name: string): boolean => vscode.languages.getDiagnostics(uri).some((d) => codeOf(d) === "secret-value-missing" && d.message.includes(name));
    await waitFor("a missing-value warning for GITHUB_TOKEN", () => missingFor("GITHUB_TOKEN"), (v) => v);
    const value = process.env.REMO_E2E_SECRET_VALUE ?? "e2e-value";
    const name = await vscode.commands.executeCommand<string>("remo.setSecret", "GITHUB_TOKEN", { value });
    assert.equal(name, "GITHUB_TOKEN");
    await waitFor("the GITHUB_TOKEN warning to clear", () => missingFor("GITHUB_TOKEN"), (v) => !v);
    assert.equal(missingFor("NPM_TOKEN"), true, "NPM_TOKEN still has no value, so its warning stays");
  });

  test("completion in the allowlist offers a name held on the laptop", async () => {
    await vscode.commands.executeCommand("remo.setSecret", "DEPLOY_KEY", { value: "deploy-e2e" });
    const editor = await vscode.window.showTextDocument(doc);
    const line = doc.getText().split("\n").findIndex((l) => l.startsWith("secrets = ["));
    const close = doc.lineAt(line).text.lastIndexOf("]");
    await editor.edit((b) => { b.insert(new vscode.Position(line, close), ", \"\""); });
    const at = new vscode.Position(line, close + 3); // between the new quotes
    const list = await waitFor("DEPLOY_KEY in completion", async () => await vscode.commands.executeCommand<vscode.CompletionList>("vscode.executeCompletionItemProvider", uri, at),
      (l) => l.items.some((i) => label(i) === "DEPLOY_KEY"));
    const names = list.items.map(label);
    assert.ok(names.includes("DEPLOY_KEY"), names.join(", "));
    assert.ok(!names.includes("NPM_TOKEN"), "names already listed are not offered again");
    await editor.edit((b) => { b.delete(new vscode.Range(line, close, line, close + 4)); });
    await doc.save();
    assert.equal(doc.getText(), original);
  });

  test("completion offers a name that a manifest in a subfolder allowlists", async () => {
    // Found by findFiles on a local folder and by walking workspace.fs on a virtual one.
    const nested = wsUri("packages", "api", ".remo");
    await vscode.workspace.fs.createDirectory(nested);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(nested, "broker.toml"), new TextEncoder().encode("schema_version = 1\n\n[allowlist]\nsecrets = [\"NESTED_API_KEY\"]\n"));
    const editor = await vscode.window.showTextDocument(doc);
    const line = doc.getText().split("\n").findIndex((l) => l.startsWith("secrets = ["));
    const close = doc.lineAt(line).text.lastIndexOf("]");
    try {
      await editor.edit((b) => { b.insert(new vscode.Position(line, close), ", \"\""); });
      const at = new vscode.Position(line, close + 3);
      const list = await waitFor("NESTED_API_KEY in completion", async () => await vscode.commands.executeCommand<vscode.CompletionList>("vscode.executeCompletionItemProvider", uri, at),
        (l) => l.items.some((i) => label(i) === "NESTED_API_KEY"));
      const item = list.items.find((i) => label(i) === "NESTED_API_KEY");
      assert.equal(item?.detail, "used in another manifest of this workspace");
    } finally {
      await editor.edit((b) => { b.delete(new vscode.Range(line, close, line, close + 4)); });
      await doc.save();
      await vscode.workspace.fs.delete(wsUri("packages"), { recursive: true });
    }
    assert.equal(doc.getText(), original);
  });

  test("the quick fix renames the unknown key ttl to ttl_seconds", async () => {
    const diag = await waitFor("the unknown-key diagnostic", () => vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === "unknown-key"), (d) => d !== undefined);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", uri, diag!.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === "Rename to \"ttl_seconds\"");
    assert.ok(fix?.edit !== undefined, `no rename fix among: ${actions.map((a) => a.title).join(" | ")}`);
    assert.equal(await vscode.workspace.applyEdit(fix.edit), true);
    assert.equal(doc.getText(), original.replace("\nttl = 600", "\nttl_seconds = 600"));
    await waitFor("the unknown-key diagnostic to clear", () => vscode.languages.getDiagnostics(uri).some((d) => codeOf(d) === "unknown-key"), (v) => !v);
  });

  test("the quick fix removes the duplicate secret name", async () => {
    // The later copy carries the fix; the first entry only gets an informational note.
    const diag = await waitFor("the duplicate-secret error", () => vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === "duplicate-secret" && d.severity === vscode.DiagnosticSeverity.Error), (d) => d !== undefined);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", uri, diag!.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === "Remove duplicate \"GITHUB_TOKEN\"");
    assert.ok(fix?.edit !== undefined, `no remove-duplicate fix among: ${actions.map((a) => a.title).join(" | ")}`);
    assert.equal(await vscode.workspace.applyEdit(fix.edit), true);
    assert.match(doc.getText(), /^secrets = \["GITHUB_TOKEN", "NPM_TOKEN", "bad-name"\]$/m);
  });
});

/** Writes `text` back to `uri` and makes any open editor show it unmodified. */
export async function restoreFile(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty === true) {
    await vscode.window.showTextDocument(open);
    await vscode.commands.executeCommand("workbench.action.files.revert");
  }
  await waitFor(`${uri.path} to show the restored text`, () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.getText() ?? text, (t) => t === text);
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === "object" ? String(d.code.value) : String(d.code);
}

function label(i: vscode.CompletionItem): string {
  return typeof i.label === "string" ? i.label : i.label.label;
}

function sameDiagnostics(a: PlainDiagnostic[], b: PlainDiagnostic[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
