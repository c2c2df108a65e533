import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  CodeActionRequest, CodeLensRequest, CompletionRequest, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest, DocumentFormattingRequest, DocumentSymbolRequest, ExitNotification, HoverRequest, InitializedNotification, InitializeRequest,
  LogMessageNotification, PublishDiagnosticsNotification, ShutdownRequest, StreamMessageReader, StreamMessageWriter, createProtocolConnection,
  type ClientCapabilities, type CodeAction, type CodeLens, type Command, type CompletionItem, type CompletionList, type Diagnostic, type DocumentDiagnosticReport,
  type DocumentSymbol, type Hover, type InitializeResult, type Position, type ProtocolConnection, type Range, type TextDocumentContentChangeEvent, type TextEdit,
} from "vscode-languageserver-protocol/node";
import { secretStateNotification, workspaceSecretNamesRequest, type SecretState, type WorkspaceSecretName } from "#protocol/lsp";

/** What a test client may answer to remo/workspaceSecretNames (plain strings are manifest names). */
type WorkspaceNamesAnswer = (string | WorkspaceSecretName)[];
import { listFiles } from "./list-files.ts";

const root = join(import.meta.dirname, "..", "..");
/** The bundled server the extension starts. Tests drive exactly this file. */
export const serverPath = join(root, "dist", "server.js");

/** Options for {@link LspTestClient.start}. */
export interface LspClientOptions {
  /** Announce pull-diagnostics support (textDocument/diagnostic) instead of push. */
  pull?: boolean;
  snippets?: boolean;
  initializationOptions?: Record<string, unknown>;
  /** Answers remo/workspaceSecretNames; "never" leaves the request unanswered (the server must cope). */
  workspaceNames?: ((uri: string) => WorkspaceNamesAnswer | Promise<WorkspaceNamesAnswer>) | "never";
}

interface Published {
  version: number | undefined;
  diagnostics: Diagnostic[];
}

/** A manifest URI under a project folder called `folder` (the server checks project.name against it). */
export function manifestUri(folder = "myrepo", file = ".devcontainer/remo-broker.toml"): string {
  return `file:///workspace/${folder}/${file}`;
}

/** Fails fast when dist/server.js is missing or older than its sources, instead of testing stale code. */
function assertServerBuilt(): void {
  if (!existsSync(serverPath)) throw new Error(`${serverPath} is missing: run "npm run build" first`);
  const built = statSync(serverPath).mtimeMs;
  const sources = [...listFiles(join(root, "language-server", "src")), ...listFiles(join(root, "protocol", "src"))];
  const stale = sources.filter((f) => f.stat.mtimeMs > built + 1000).map((f) => f.path);
  if (stale.length > 0) throw new Error(`dist/server.js is older than ${stale[0] ?? "its sources"}: run "npm run build" first`);
}

/**
 * A real LSP client over the server's stdio (vscode-languageserver-protocol's
 * createProtocolConnection): the process, the JSON-RPC framing and every message are the
 * real ones the extension uses.
 */
export class LspTestClient {
  readonly published = new Map<string, Published>();
  /** Every publishDiagnostics received, in order (uri and version only). */
  readonly publishHistory: { uri: string; version: number | undefined }[] = [];
  readonly logs: string[] = [];
  stderr = "";
  codeLensRefreshes = 0;
  diagnosticRefreshes = 0;
  workspaceNameRequests = 0;
  private readonly versions = new Map<string, number>();
  private readonly waiters: { uri: string; version: number; resolve: (d: Diagnostic[]) => void }[] = [];
  private exited = false;

  private constructor(readonly child: ChildProcessWithoutNullStreams, readonly connection: ProtocolConnection, readonly initializeResult: InitializeResult) {}

  /** Spawns `node dist/server.js --stdio`, initializes it and returns the connected client. */
  static async start(options: LspClientOptions = {}): Promise<LspTestClient> {
    assertServerBuilt();
    const child = spawn(process.execPath, [serverPath, "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    // Handlers registered before initialize must reach the client object created after it.
    const holder: { client?: LspTestClient } = {};
    const early: { stderr: string; logs: string[] } = { stderr: "", logs: [] };
    child.stderr.on("data", (b: Buffer) => { if (holder.client) holder.client.stderr += b.toString(); else early.stderr += b.toString(); });
    connection.onNotification(LogMessageNotification.type, (p) => { (holder.client?.logs ?? early.logs).push(p.message); });
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => { holder.client?.onPublish(p.uri, p.version, p.diagnostics); });
    connection.onRequest("workspace/codeLens/refresh", () => { if (holder.client) holder.client.codeLensRefreshes++; return null; });
    connection.onRequest("workspace/diagnostic/refresh", () => { if (holder.client) holder.client.diagnosticRefreshes++; return null; });
    connection.onRequest("client/registerCapability", () => null);
    connection.onRequest("window/workDoneProgress/create", () => null);
    const names = options.workspaceNames ?? (() => []);
    connection.onRequest(workspaceSecretNamesRequest, (p) => {
      if (holder.client) holder.client.workspaceNameRequests++;
      if (names === "never") return new Promise<WorkspaceNamesAnswer>(() => { /* never answered */ });
      return names(p.uri);
    });
    connection.listen();
    const capabilities: ClientCapabilities = {
      textDocument: {
        synchronization: { didSave: false },
        completion: { completionItem: { snippetSupport: options.snippets ?? true } },
        hover: { contentFormat: ["markdown", "plaintext"] },
        codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix", "source"] } } },
        publishDiagnostics: { relatedInformation: true, versionSupport: true },
        ...(options.pull === true ? { diagnostic: { dynamicRegistration: false } } : {}),
      },
      workspace: { codeLens: { refreshSupport: true }, diagnostics: { refreshSupport: true } },
    };
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- InitializeParams still requires rootUri
    const result = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities, initializationOptions: options.initializationOptions ?? {} });
    const client = new LspTestClient(child, connection, result);
    holder.client = client;
    client.stderr = early.stderr;
    client.logs.push(...early.logs);
    child.on("exit", () => { client.exited = true; });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  private onPublish(uri: string, version: number | undefined, diagnostics: Diagnostic[]): void {
    this.published.set(uri, { version, diagnostics });
    this.publishHistory.push({ uri, version });
    for (const w of [...this.waiters]) {
      if (w.uri === uri && (version === undefined || version >= w.version)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(diagnostics);
      }
    }
  }

  /** Resolves with the first diagnostics published for `uri` at `version` or later. */
  waitForDiagnostics(uri: string, version = this.versions.get(uri) ?? 0, timeoutMs = 30_000): Promise<Diagnostic[]> {
    const seen = this.published.get(uri);
    if (seen?.version !== undefined && seen.version >= version) return Promise.resolve(seen.diagnostics);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no diagnostics for ${uri} v${version} within ${timeoutMs} ms; last seen: ${JSON.stringify(this.published.get(uri))}; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({ uri, version, resolve: (d) => { clearTimeout(timer); resolve(d); } });
    });
  }

  /** didOpen; resolves with the pushed diagnostics (push mode) once the server has published them. */
  async open(uri: string, text: string, languageId = "remo-manifest"): Promise<Diagnostic[]> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return this.waitForDiagnostics(uri, 1);
  }

  /** didOpen without waiting (pull mode, or documents the server ignores). */
  async openOnly(uri: string, text: string, languageId = "remo-manifest"): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  }

  /** didChange with a full text or incremental changes; resolves with the diagnostics of the new version. */
  async change(uri: string, changes: string | TextDocumentContentChangeEvent[], wait = true): Promise<Diagnostic[]> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const contentChanges = typeof changes === "string" ? [{ text: changes }] : changes;
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges });
    return wait ? this.waitForDiagnostics(uri, version) : [];
  }

  /** didClose. */
  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** Pull diagnostics (textDocument/diagnostic). */
  pullDiagnostics(uri: string): Promise<DocumentDiagnosticReport> {
    return this.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
  }

  /** Sends remo/secretState. */
  sendSecretState(secrets: SecretState[]): Promise<void> {
    return this.connection.sendNotification(secretStateNotification, { secrets });
  }

  /** textDocument/completion, always as a list. */
  async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const r: CompletionList | CompletionItem[] | null = await this.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    return r === null ? [] : Array.isArray(r) ? r : r.items;
  }

  /** textDocument/hover. */
  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  /** textDocument/codeAction with the given diagnostics as context. */
  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const r = await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
    return (r ?? []).filter((a): a is CodeAction => !isCommand(a));
  }

  /** textDocument/codeLens. */
  async codeLenses(uri: string): Promise<CodeLens[]> {
    return (await this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  }

  /** textDocument/documentSymbol (hierarchical). */
  async documentSymbols(uri: string): Promise<DocumentSymbol[]> {
    return ((await this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) ?? []) as DocumentSymbol[];
  }

  /** textDocument/formatting. */
  async format(uri: string): Promise<TextEdit[]> {
    return (await this.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })) ?? [];
  }

  /** Whether the server process is still running. */
  get alive(): boolean {
    return !this.exited && this.child.exitCode === null;
  }

  /** shutdown + exit; kills the process if it does not leave within 10 s. Resolves with its exit code. */
  async stop(): Promise<number | null> {
    if (this.alive) {
      const exited = new Promise<number | null>((resolve) => { this.child.once("exit", (code) => { resolve(code); }); });
      try {
        await Promise.race([this.connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 10_000))]);
        await this.connection.sendNotification(ExitNotification.type);
      } catch {
        // the connection may already be gone; the kill below still ends the process
      }
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      this.connection.dispose();
      return code;
    }
    this.connection.dispose();
    return this.child.exitCode;
  }
}

function isCommand(a: CodeAction | Command): a is Command {
  return typeof (a as Command).command === "string" && (a as CodeAction).edit === undefined && (a as CodeAction).kind === undefined;
}

/** Applies LSP text edits to a text (the edits must not overlap), as an editor would. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const offsetAt = (p: Position): number => {
    const lines = text.split("\n");
    let o = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) o += (lines[i]?.length ?? 0) + 1;
    return Math.min(o + p.character, text.length);
  };
  const sorted = [...edits].sort((a, b) => offsetAt(b.range.start) - offsetAt(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetAt(e.range.start)) + e.newText + out.slice(offsetAt(e.range.end));
  return out;
}

/** One manifest of the fixture corpus and its expected diagnostics. */
export interface CorpusCase {
  name: string;
  kind: "valid" | "invalid";
  text: string;
  goldenPath: string;
  /** Undefined when the golden file does not exist yet (UPDATE_GOLDEN=1 writes it). */
  expected: GoldenDiagnostic[] | undefined;
}

/** A diagnostic as golden files store it: what a user sees, plus the text the range covers. */
export interface GoldenDiagnostic {
  code: string;
  severity: "error" | "warning" | "information" | "hint";
  range: string;
  covers: string;
  message: string;
}

/** Every test/fixtures/manifests/{valid,invalid}/<case>.toml with its <case>.diagnostics.json. */
export function loadManifestCorpus(): CorpusCase[] {
  const dir = join(root, "test", "fixtures", "manifests");
  const out: CorpusCase[] = [];
  for (const kind of ["valid", "invalid"] as const) {
    for (const f of readdirSync(join(dir, kind)).filter((n) => n.endsWith(".toml")).sort()) {
      const name = f.slice(0, -".toml".length);
      const goldenPath = join(dir, kind, `${name}.diagnostics.json`);
      out.push({ name, kind, text: readFileSync(join(dir, kind, f), "utf8"), goldenPath, expected: existsSync(goldenPath) ? JSON.parse(readFileSync(goldenPath, "utf8")) as GoldenDiagnostic[] : undefined });
    }
  }
  return out;
}

const severityNames = { 1: "error", 2: "warning", 3: "information", 4: "hint" } as const;

/** Turns LSP diagnostics into the golden form (range as "line:col-line:col", 0-based UTF-16). */
export function toGolden(text: string, diagnostics: readonly Diagnostic[]): GoldenDiagnostic[] {
  const offset = (p: Position): number => {
    let o = 0;
    let i = 0;
    for (const m of text.matchAll(/\r\n|\r|\n/g)) {
      if (i === p.line) break;
      o = m.index + m[0].length;
      i++;
    }
    return o + p.character;
  };
  return diagnostics.map((d) => ({
    code: String(d.code),
    severity: severityNames[d.severity ?? 1],
    range: `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`,
    covers: text.slice(offset(d.range.start), offset(d.range.end)),
    message: typeof d.message === "string" ? d.message : d.message.value,
  }));
}
