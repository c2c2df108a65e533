// devcontainer.json: diagnostics from the extension's collection, and Synthesize through
// the real command writing through workspace.fs.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateExtension, plain, readWs, waitFor, wsUri, type PlainDiagnostic } from "./util.ts";

/** The exact diagnostics of the fixture's devcontainer.json (literal key, no broker mount). */
export const expectedDevcontainerDiagnostics: PlainDiagnostic[] = [
  { code: "devcontainer.missing-broker-mount", severity: "Warning", range: [1, 0, 1, 1], message: "No mount brings the broker socket into the container, so remo-secrets cannot fetch \"remo-fixture\" secrets. Run \"Remo: Synthesize devcontainer.json\" or add \"source=/run/remo-broker/projects/remo-fixture,target=/run/remo-broker,type=bind,readonly\" to \"mounts\".", source: "remo" },
  { code: "devcontainer.literal-secret", severity: "Error", range: [6, 25, 6, 47], message: "containerEnv.AWS_ACCESS_KEY_ID holds a literal AWS access key id. Remove the value, add \"AWS_ACCESS_KEY_ID\" to the manifest's allowlist, and read it in the container with `remo-secrets get AWS_ACCESS_KEY_ID` or `remo-secrets exec -- …`. Then revoke the token: it is in the repository's history.", source: "remo" },
];

const mount = "source=/run/remo-broker/projects/remo-fixture,target=/run/remo-broker,type=bind,readonly";

suite("devcontainer.json", () => {
  const uri = wsUri(".devcontainer", "devcontainer.json");

  suiteSetup(async () => {
    await activateExtension();
  });

  test("a literal access key and the missing broker mount are diagnosed", async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    // Only Remo's own: VS Code's JSON service adds trailing-comma and schema-download notes.
    const seen = await waitFor("devcontainer.json diagnostics", () => plain(vscode.languages.getDiagnostics(uri).filter((d) => d.source === "remo")),
      (d) => JSON.stringify(d) === JSON.stringify(expectedDevcontainerDiagnostics));
    assert.deepEqual(seen, expectedDevcontainerDiagnostics);
  });

  test("Synthesize edits devcontainer.json in place and copies the feature", async () => {
    const before = await readWs(".devcontainer", "devcontainer.json");
    const result = await vscode.commands.executeCommand<{ written: boolean; changes: string[]; conflicts: string[] }>("remo.synthesizeDevcontainer", { confirm: true, register: false });
    assert.equal(result.written, true);
    assert.deepEqual(result.conflicts, []);
    const after = await readWs(".devcontainer", "devcontainer.json");
    assert.ok(after.includes(`"${mount}"`), after);
    assert.ok(after.includes("\"./remo-secrets\": {}"), after);
    // The manifest's valid names, once each, in the standard "secrets" block (the fixture's manifest repeats one and has an invalid one).
    // (The suite bundle cannot take jsonc-parser's UMD build: the block is read from the text.)
    const block = /^ {2}"secrets": \{\n([\s\S]*?)\n {2}\}/m.exec(after)?.[1] ?? "";
    assert.deepEqual([...block.matchAll(/^ {4}"([^"]+)": \{/gm)].map((m) => m[1]), ["GITHUB_TOKEN", "NPM_TOKEN"], after);
    // The user's comments and the literal stay: Remo edits, it does not rewrite.
    for (const kept of ["// A hand-written config the way people keep them", "// pasted by mistake", "\"AWS_ACCESS_KEY_ID\": \"AKIAIOSFODNN7EXAMPLE\""]) {
      assert.ok(after.includes(kept), `lost ${kept}`);
    }
    assert.notEqual(after, before);
    const feature = JSON.parse(await readWs(".devcontainer", "remo-secrets", "devcontainer-feature.json")) as { id: string };
    assert.equal(feature.id, "remo-secrets");
    await waitFor("the missing-mount diagnostic to clear", () => vscode.languages.getDiagnostics(uri).map((d) => String(typeof d.code === "object" ? d.code.value : d.code)),
      (codes) => !codes.some((c) => c.includes("broker-mount")));
  });

  test("Synthesize a second time changes nothing", async () => {
    const before = await readWs(".devcontainer", "devcontainer.json");
    const result = await vscode.commands.executeCommand<{ written: boolean; changes: string[] }>("remo.synthesizeDevcontainer", { confirm: true, register: false });
    assert.equal(result.written, false);
    assert.equal(await readWs(".devcontainer", "devcontainer.json"), before);
  });

  test("the manifest offers the names devcontainer.json's secrets block lists", async () => {
    const original = await readWs(".devcontainer", "devcontainer.json");
    const withEntry = original.replace("\"secrets\": {", "\"secrets\": {\n    \"SUITE_DC_ONLY\": { \"description\": \"Only devcontainer.json names this\" },");
    assert.notEqual(withEntry, original);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(withEntry));
    try {
      const manifest = await vscode.workspace.openTextDocument(wsUri(".devcontainer", "remo-broker.toml"));
      const line = manifest.getText().split("\n").findIndex((l) => l.startsWith("secrets = ["));
      const at = new vscode.Position(line, "secrets = [".length);
      const list = await waitFor("SUITE_DC_ONLY in completion", async () => await vscode.commands.executeCommand<vscode.CompletionList>("vscode.executeCompletionItemProvider", manifest.uri, at),
        (l) => l.items.some((i) => (typeof i.label === "string" ? i.label : i.label.label) === "SUITE_DC_ONLY"));
      const item = list.items.find((i) => (typeof i.label === "string" ? i.label : i.label.label) === "SUITE_DC_ONLY");
      assert.equal(item?.detail, "listed in devcontainer.json \"secrets\"");
      const doc = item.documentation;
      assert.equal(typeof doc === "string" ? doc : doc?.value, "Only devcontainer.json names this");
    } finally {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(original));
    }
  });
});
