import {
  CodeActionKind, PositionEncodingKind, TextDocumentSyncKind, TextDocuments,
  type CodeAction, type CodeLens, type CompletionList, type Connection, type DocumentSymbol, type Hover,
  type InitializeParams, type InitializeResult, type TextEdit,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { secretStateNotification, workspaceSecretNamesRequest, type ManifestServerOptions, type SecretState } from "#protocol/lsp";
import { manifestLanguageId } from "#protocol";
import { codeActions } from "./code-actions.ts";
import { codeLenses } from "./code-lens.ts";
import { commonSecretNames, complete, type NameSource } from "./complete.ts";
import { registerDiagnosticsPullSupport, registerDiagnosticsPushSupport, type DiagnosticsOptions, type DiagnosticsSupport } from "./diagnostics-support.ts";
import { createDocumentCache } from "./document-cache.ts";
import { folderNameOf, isManifestUri } from "./folder-name.ts";
import { formatDocument } from "./format.ts";
import { hover } from "./hover.ts";
import { runSafe, runSafeAsync } from "./run-safe.ts";
import { documentSymbols } from "./symbols.ts";
import { workspaceNameSources } from "./workspace-names.ts";
import { parseDocument, type ParsedManifest } from "./toml/parse.ts";
import { validateDocument } from "./validate.ts";

/** Side effects the server uses, injected (json-language-features RuntimeEnvironment). */
export interface ServerRuntime {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The language id the extension registers for manifests; "toml" is accepted for manifest paths too. */

/** Wires every feature to the connection and starts listening. */
export function startServer(connection: Connection, runtime: ServerRuntime): void {
  const documents = new TextDocuments(TextDocument);
  const log = { error: (m: string) => { connection.console.error(m); } };
  const cache = createDocumentCache<ParsedManifest>(16, 120, (d) => parseDocument(d.getText(), folderContext(d.uri)));
  let secrets: Map<string, SecretState> | undefined;
  let snippets = false;
  let codeLensRefresh = false;
  let namesTimeoutMs = 500;
  let diagnostics: DiagnosticsSupport | undefined;

  const isManifest = (d: TextDocument): boolean => d.languageId === manifestLanguageId || (d.languageId === "toml" && isManifestUri(d.uri));
  const manifestDoc = (uri: string): { doc: TextDocument; parsed: ParsedManifest } | undefined => {
    const doc = documents.get(uri);
    return doc === undefined || !isManifest(doc) ? undefined : { doc, parsed: cache.get(doc) };
  };
  const diagnosticsOptions: DiagnosticsOptions = { validate: (doc) => validateDocument(cache.get(doc), doc.uri, secrets), accepts: isManifest, log };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    const pullDiagnostics = caps.textDocument?.diagnostic !== undefined;
    snippets = caps.textDocument?.completion?.completionItem?.snippetSupport === true;
    codeLensRefresh = caps.workspace?.codeLens?.refreshSupport === true;
    const opts = (params.initializationOptions ?? {}) as ManifestServerOptions;
    const delayMs = typeof opts.diagnosticDelayMs === "number" && opts.diagnosticDelayMs >= 0 ? opts.diagnosticDelayMs : 150;
    if (typeof opts.workspaceNamesTimeoutMs === "number" && opts.workspaceNamesTimeoutMs >= 0) namesTimeoutMs = opts.workspaceNamesTimeoutMs;
    diagnostics = pullDiagnostics
      ? registerDiagnosticsPullSupport(documents, connection, { ...diagnosticsOptions, canRefresh: caps.workspace?.diagnostics?.refreshSupport === true })
      : registerDiagnosticsPushSupport(documents, connection, runtime, { ...diagnosticsOptions, delayMs });
    return {
      capabilities: {
        // toml/positions.ts counts UTF-16 code units; say so rather than rely on the default.
        positionEncoding: PositionEncodingKind.UTF16,
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ["\"", "[", ",", "="] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, `${CodeActionKind.Source}.sortAllowlist`] },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        codeLensProvider: { resolveProvider: false },
        ...(pullDiagnostics ? { diagnosticProvider: { interFileDependencies: false, workspaceDiagnostics: false } } : {}),
      },
      serverInfo: { name: "remo-manifest-language-server" },
    };
  });

  documents.onDidClose((e) => { cache.onDocumentRemoved(e.document.uri); });

  connection.onNotification(secretStateNotification, (params) => {
    // Names only; a value never crosses this boundary (protocol/lsp.ts SecretState has none).
    secrets = new Map(params.secrets.filter((s) => typeof s.name === "string").map((s) => [s.name, s]));
    diagnostics?.requestRefresh();
    if (codeLensRefresh) void connection.sendRequest("workspace/codeLens/refresh");
  });

  // The extension may take a while to read every manifest in a big workspace: completion waits
  // at most namesTimeoutMs, uses the last answer meanwhile, and a late answer fills the cache.
  let lastWorkspaceNames: NameSource[] = [];
  const workspaceNames = async (uri: string): Promise<NameSource[]> => {
    let timer: unknown;
    const timeout = new Promise<NameSource[]>((resolve) => { timer = runtime.setTimeout(() => { resolve(lastWorkspaceNames); }, namesTimeoutMs); });
    const ask = connection.sendRequest(workspaceSecretNamesRequest, { uri }).then((r: unknown) => {
      lastWorkspaceNames = workspaceNameSources(r);
      return lastWorkspaceNames;
    }, () => lastWorkspaceNames);
    try {
      return await Promise.race([ask, timeout]);
    } finally {
      runtime.clearTimeout(timer);
    }
  };

  connection.onCompletion((params, token) => runSafeAsync(log, async (): Promise<CompletionList | null> => {
    const m = manifestDoc(params.textDocument.uri);
    if (m === undefined) return null;
    const offset = m.doc.offsetAt(params.position);
    const folderName = folderNameOf(params.textDocument.uri);
    let names: NameSource[] = [];
    if (looksLikeSecretsContext(m.parsed.text, offset)) {
      const laptop: NameSource[] = [...(secrets?.values() ?? [])].map((s) => ({ name: s.name, source: "laptop", hasValue: s.hasValue }));
      const workspace = await workspaceNames(params.textDocument.uri);
      names = [...laptop, ...workspace, ...commonSecretNames.map((name): NameSource => ({ name, source: "common" }))];
    }
    const current = manifestDoc(params.textDocument.uri);
    if (current === undefined) return null;
    return complete(current.parsed, { offset: current.doc.offsetAt(params.position), folderName, names, snippets });
  }, null, `computing completion for ${params.textDocument.uri}`, token));

  connection.onHover((params, token) => runSafe(log, (): Hover | null => {
    const m = manifestDoc(params.textDocument.uri);
    return m === undefined ? null : hover(m.parsed, m.doc.offsetAt(params.position), secrets);
  }, null, `computing hover for ${params.textDocument.uri}`, token));

  connection.onCodeAction((params, token) => runSafe(log, (): CodeAction[] => {
    const m = manifestDoc(params.textDocument.uri);
    return m === undefined ? [] : codeActions(m.parsed, { uri: params.textDocument.uri, range: params.range, diagnostics: params.context.diagnostics, folderName: folderNameOf(params.textDocument.uri) });
  }, [], `computing code actions for ${params.textDocument.uri}`, token));

  connection.onDocumentSymbol((params, token) => runSafe(log, (): DocumentSymbol[] => {
    const m = manifestDoc(params.textDocument.uri);
    return m === undefined ? [] : documentSymbols(m.parsed);
  }, [], `computing symbols for ${params.textDocument.uri}`, token));

  connection.onDocumentFormatting((params, token) => runSafe(log, (): TextEdit[] => {
    const m = manifestDoc(params.textDocument.uri);
    return m === undefined ? [] : formatDocument(m.parsed);
  }, [], `formatting ${params.textDocument.uri}`, token));

  connection.onCodeLens((params, token) => runSafe(log, (): CodeLens[] => {
    const m = manifestDoc(params.textDocument.uri);
    return m === undefined ? [] : codeLenses(m.parsed, secrets, runtime.now());
  }, [], `computing code lenses for ${params.textDocument.uri}`, token));

  connection.onShutdown(() => {
    diagnostics?.dispose();
    cache.dispose();
  });
  documents.listen(connection);
  connection.listen();
}

function folderContext(uri: string): { folderName?: string } {
  const folderName = folderNameOf(uri);
  return folderName === undefined ? {} : { folderName };
}

/** A cheap pre-check so completion asks the client for names only inside an array. */
function looksLikeSecretsContext(text: string, offset: number): boolean {
  const before = text.slice(Math.max(0, offset - 20_000), offset);
  return before.lastIndexOf("[") > before.lastIndexOf("]") || /secrets\s*=\s*$/.test(before);
}
