// How diagnostics reach the client: pushed (textDocument/publishDiagnostics, debounced while
// typing) or pulled (textDocument/diagnostic), whichever the client supports
// (json-language-features' utils/validation.ts pattern). The server only picks one and wires it.
import { DocumentDiagnosticReportKind, type Connection, type Diagnostic, type DocumentDiagnosticReport, type TextDocuments } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { runSafe, type ErrorLog } from "./run-safe.ts";

/** The diagnostics of one document the server handles. */
export type Validator = (doc: TextDocument) => Diagnostic[];

/** The timers push support debounces with (the server's injected runtime). */
export interface DiagnosticsTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DiagnosticsOptions {
  validate: Validator;
  /** Whether the server handles this document at all; others get no diagnostics. */
  accepts: (doc: TextDocument) => boolean;
  log: ErrorLog;
}

export interface DiagnosticsSupport {
  /** Report every handled document again: something they depend on (the secret state) changed. */
  requestRefresh(): void;
  dispose(): void;
}

/**
 * Push: opening a document reports at once, typing is debounced by `delayMs` (0: at once),
 * closing clears what was reported. Each version is published once.
 */
export function registerDiagnosticsPushSupport(documents: TextDocuments<TextDocument>, connection: Connection, timers: DiagnosticsTimers, options: DiagnosticsOptions & { delayMs: number }): DiagnosticsSupport {
  const { validate, accepts, log, delayMs } = options;
  const pending = new Map<string, unknown>();
  const publishedVersions = new Map<string, number>();

  const cancelPending = (uri: string): void => {
    const t = pending.get(uri);
    if (t !== undefined) timers.clearTimeout(t);
    pending.delete(uri);
  };
  const publish = (uri: string): void => {
    const doc = documents.get(uri);
    if (doc === undefined) return;
    let diagnostics: Diagnostic[] = [];
    try {
      diagnostics = accepts(doc) ? validate(doc) : [];
    } catch (e) {
      log.error(`validating ${uri}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
    publishedVersions.set(uri, doc.version);
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  };
  const schedule = (uri: string): void => {
    cancelPending(uri);
    if (delayMs <= 0) {
      publish(uri);
      return;
    }
    pending.set(uri, timers.setTimeout(() => { pending.delete(uri); publish(uri); }, delayMs));
  };

  const subscriptions = [
    documents.onDidOpen((e) => { if (accepts(e.document)) publish(e.document.uri); }),
    // didOpen also fires a content change: skipped, as that version is already published.
    documents.onDidChangeContent((e) => {
      if (!accepts(e.document) || publishedVersions.get(e.document.uri) === e.document.version) return;
      schedule(e.document.uri);
    }),
    documents.onDidClose((e) => {
      cancelPending(e.document.uri);
      publishedVersions.delete(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }),
  ];

  return {
    requestRefresh: () => { for (const d of documents.all()) if (accepts(d)) publish(d.uri); },
    dispose: () => {
      for (const s of subscriptions) s.dispose();
      for (const uri of [...pending.keys()]) cancelPending(uri);
      publishedVersions.clear();
    },
  };
}

/** Pull: the client asks per document; a refresh is a request to ask again, when the client supports one. */
export function registerDiagnosticsPullSupport(documents: TextDocuments<TextDocument>, connection: Connection, options: DiagnosticsOptions & { canRefresh: boolean }): DiagnosticsSupport {
  const { validate, accepts, log, canRefresh } = options;
  const report = (items: Diagnostic[]): DocumentDiagnosticReport => ({ kind: DocumentDiagnosticReportKind.Full, items });
  const registration = connection.languages.diagnostics.on((params, token) => runSafe(log, (): DocumentDiagnosticReport => {
    const doc = documents.get(params.textDocument.uri);
    return report(doc !== undefined && accepts(doc) ? validate(doc) : []);
  }, report([]), `computing diagnostics for ${params.textDocument.uri}`, token));

  return {
    requestRefresh: () => { if (canRefresh) void connection.languages.diagnostics.refresh(); },
    dispose: () => { registration.dispose(); },
  };
}
