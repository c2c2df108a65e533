import { describe, expect, it } from "vitest";
import { Emitter, type Connection, type Diagnostic, type PublishDiagnosticsParams, type TextDocumentChangeEvent, type TextDocuments } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { registerDiagnosticsPullSupport, registerDiagnosticsPushSupport, type DiagnosticsTimers } from "../../../language-server/src/diagnostics-support.ts";

// Fakes for the one module under test: the document manager's events, the connection's
// outgoing calls and the timers. The real ones meet over stdio in test/integration/lsp-*.test.ts.
type Event = TextDocumentChangeEvent<TextDocument>;

function setup() {
  const open = new Emitter<Event>();
  const change = new Emitter<Event>();
  const close = new Emitter<Event>();
  const docs = new Map<string, TextDocument>();
  const documents = {
    onDidOpen: open.event, onDidChangeContent: change.event, onDidClose: close.event,
    get: (uri: string) => docs.get(uri), all: () => [...docs.values()],
  } as unknown as TextDocuments<TextDocument>;
  const sent: PublishDiagnosticsParams[] = [];
  let pullHandler: ((params: { textDocument: { uri: string } }, token: unknown) => Promise<unknown>) | undefined;
  let refreshes = 0;
  const connection = {
    sendDiagnostics: (p: PublishDiagnosticsParams) => { sent.push(p); return Promise.resolve(); },
    languages: { diagnostics: {
      on: (h: typeof pullHandler) => { pullHandler = h; return { dispose: () => { pullHandler = undefined; } }; },
      refresh: () => { refreshes++; return Promise.resolve(); },
    } },
  } as unknown as Connection;
  const timers = new Map<number, () => void>();
  let next = 1;
  const fakeTimers: DiagnosticsTimers = {
    setTimeout: (fn) => { timers.set(next, fn); return next++; },
    clearTimeout: (h) => { timers.delete(h as number); },
  };
  const fire = (): void => { const all = [...timers.values()]; timers.clear(); for (const f of all) f(); };
  const diagnostic = (doc: TextDocument): Diagnostic => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: `v${doc.version}` });
  const options = { validate: (doc: TextDocument) => [diagnostic(doc)], accepts: (doc: TextDocument) => doc.languageId === "remo-manifest", log: { error: (m: string) => { throw new Error(m); } } };
  const doc = (uri: string, version: number, languageId = "remo-manifest"): TextDocument => {
    const d = TextDocument.create(uri, languageId, version, "x");
    docs.set(uri, d);
    return d;
  };
  return { open, change, close, docs, documents, connection, sent, timers, fakeTimers, fire, options, doc, pull: () => pullHandler, refreshes: () => refreshes };
}

describe("registerDiagnosticsPushSupport", () => {
  it("reports an opened manifest at once, once per version, and debounces typing", () => {
    const s = setup();
    registerDiagnosticsPushSupport(s.documents, s.connection, s.fakeTimers, { ...s.options, delayMs: 150 });
    const v1 = s.doc("file:///a.toml", 1);
    s.open.fire({ document: v1 });
    s.change.fire({ document: v1 }); // didOpen's own content change: already published
    expect(s.timers.size).toBe(0);
    expect(s.sent.map((p) => [p.uri, p.version, p.diagnostics.map((d) => d.message)])).toEqual([["file:///a.toml", 1, ["v1"]]]);
    s.change.fire({ document: s.doc("file:///a.toml", 2) });
    s.change.fire({ document: s.doc("file:///a.toml", 3) });
    expect([s.sent.length, s.timers.size]).toEqual([1, 1]);
    s.fire();
    expect(s.sent.map((p) => p.version)).toEqual([1, 3]);
  });

  it("cancels a pending report and clears the diagnostics when a document closes", () => {
    const s = setup();
    registerDiagnosticsPushSupport(s.documents, s.connection, s.fakeTimers, { ...s.options, delayMs: 150 });
    s.open.fire({ document: s.doc("file:///a.toml", 1) });
    const v2 = s.doc("file:///a.toml", 2);
    s.change.fire({ document: v2 });
    s.close.fire({ document: v2 });
    expect(s.timers.size).toBe(0);
    expect(s.sent.map((p) => [p.version, p.diagnostics.length])).toEqual([[1, 1], [undefined, 0]]);
  });

  it("ignores documents it does not accept, and refreshes every accepted one at once", () => {
    const s = setup();
    const support = registerDiagnosticsPushSupport(s.documents, s.connection, s.fakeTimers, { ...s.options, delayMs: 0 });
    s.open.fire({ document: s.doc("file:///other.toml", 1, "toml") });
    s.change.fire({ document: s.doc("file:///other.toml", 2, "toml") });
    s.doc("file:///a.toml", 4);
    support.requestRefresh();
    expect(s.sent.map((p) => [p.uri, p.version])).toEqual([["file:///a.toml", 4]]);
    support.dispose();
    s.open.fire({ document: s.doc("file:///b.toml", 1) });
    expect(s.sent).toHaveLength(1);
  });
});

describe("registerDiagnosticsPullSupport", () => {
  it("answers for accepted documents only, and refreshes only when the client can", async () => {
    const s = setup();
    const token = { isCancellationRequested: false };
    const without = registerDiagnosticsPullSupport(s.documents, s.connection, { ...s.options, canRefresh: false });
    without.requestRefresh();
    expect(s.refreshes()).toBe(0);
    without.dispose();
    expect(s.pull()).toBeUndefined();
    const support = registerDiagnosticsPullSupport(s.documents, s.connection, { ...s.options, canRefresh: true });
    s.doc("file:///a.toml", 7);
    s.doc("file:///other.toml", 1, "toml");
    expect(await s.pull()?.({ textDocument: { uri: "file:///a.toml" } }, token)).toEqual({ kind: "full", items: [expect.objectContaining({ message: "v7" })] });
    expect(await s.pull()?.({ textDocument: { uri: "file:///other.toml" } }, token)).toEqual({ kind: "full", items: [] });
    expect(await s.pull()?.({ textDocument: { uri: "file:///closed.toml" } }, token)).toEqual({ kind: "full", items: [] });
    support.requestRefresh();
    expect(s.refreshes()).toBe(1);
    expect(s.sent).toEqual([]);
  });
});
