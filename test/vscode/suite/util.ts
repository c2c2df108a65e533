// Helpers for the in-VS-Code suite: polling on real signals (never fixed sleeps), fixture paths.
import * as vscode from "vscode";
import { readFileSync } from "node:fs";

/** The extension under test. */
export const extensionId = "remo.remo-secrets";

/** Polls `probe` until `done(value)` or the deadline; fails with the last value seen. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last, null, 2)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

/** The workspace folder the harness opened (a temp copy of test/fixtures/workspace named remo-fixture). */
export function folder(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (f === undefined) throw new Error("the harness opened no folder");
  return f;
}

/** A URI inside the workspace folder. */
export function wsUri(...parts: string[]): vscode.Uri {
  return vscode.Uri.joinPath(folder().uri, ...parts);
}

/** Reads a workspace file as text through workspace.fs. */
export async function readWs(...parts: string[]): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(wsUri(...parts)));
}

/** A diagnostic reduced to what the assertions compare (the whole list is compared, not its length). */
export interface PlainDiagnostic { code: string; severity: string; range: [number, number, number, number]; message: string; source: string | undefined }

/** Turns vscode diagnostics into {@link PlainDiagnostic}s sorted by position. */
export function plain(diags: readonly vscode.Diagnostic[]): PlainDiagnostic[] {
  return diags.map((d) => ({
    code: typeof d.code === "object" ? String(d.code.value) : String(d.code),
    severity: vscode.DiagnosticSeverity[d.severity],
    range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character] as [number, number, number, number],
    message: d.message,
    source: d.source,
  })).sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1] || a.code.localeCompare(b.code));
}

/** What the fixture node (test/vscode/fixture-node.mjs) wrote: where the loopback sshd + broker are. */
export interface FixtureNode {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  projectPath: string;
  brokerCommand: string;
  /** The repository (for dist/remo-secrets.js). */
  repoRoot: string;
  /** argv that runs one broker admin op on the node side, without SSH: [...adminArgv, op]. */
  adminArgv: string[];
  hostKeySha256: string;
  recipient: string;
  /** The broker's audit.jsonl. */
  auditFile: string;
}

/** Reads the fixture node's coordinates from $REMO_FIXTURE_NODE. */
export function fixtureNode(): FixtureNode {
  const path = process.env.REMO_FIXTURE_NODE;
  if (path === undefined || path === "") throw new Error("REMO_FIXTURE_NODE is not set: run the suite through `npm run test:vscode`");
  return JSON.parse(readFileSync(path, "utf8")) as FixtureNode;
}

/** Activates the extension under test and returns it. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(extensionId);
  if (ext === undefined) throw new Error(`${extensionId} is not installed`);
  await ext.activate();
  return ext;
}
