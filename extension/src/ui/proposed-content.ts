// A read-only virtual document holding a proposed file text, for the diff editor.
import * as vscode from "vscode";

/** The scheme of proposed-change documents. */
export const proposedScheme = "remo-proposed";

/** Serves proposed texts under `remo-proposed:` URIs. */
export class ProposedContent implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  /** Stores `text` as the proposal for `target` and returns the URI to diff against. */
  set(target: vscode.Uri, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: proposedScheme, path: target.path, query: target.scheme });
    this.texts.set(uri.toString(), text);
    this.emitter.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  dispose(): void {
    this.emitter.dispose();
    this.texts.clear();
  }
}
