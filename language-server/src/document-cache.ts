import type { TextDocument } from "vscode-languageserver-textdocument";

/** A per-document model computed once per version (json-language-features languageModelCache). */
export interface DocumentCache<T> {
  /** The model of this document version, computed on first use. */
  get(document: TextDocument): T;
  /** Drops a closed document's model. */
  onDocumentRemoved(uri: string): void;
  /** Stops the sweep and drops every model. */
  dispose(): void;
}

interface Slot<T> {
  version: number;
  languageId: string;
  model: T;
  lastUsed: number;
}

/** Timers and clock the cache uses; injected so tests need not wait. */
export interface CacheRuntime {
  now(): number;
  setInterval(fn: () => void, ms: number): { unref?(): void };
  clearInterval(handle: unknown): void;
}

const nodeRuntime: CacheRuntime = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => { clearInterval(h as NodeJS.Timeout); },
};

/**
 * Makes a bounded cache keyed by uri@version: at most `maxEntries` models, the least
 * recently used evicted first, and models idle for `cleanupSeconds` swept periodically.
 */
export function createDocumentCache<T>(maxEntries: number, cleanupSeconds: number, parse: (document: TextDocument) => T, runtime: CacheRuntime = nodeRuntime): DocumentCache<T> {
  const slots = new Map<string, Slot<T>>();
  let timer: unknown;
  if (cleanupSeconds > 0) {
    const handle = runtime.setInterval(() => {
      const cutoff = runtime.now() - cleanupSeconds * 1000;
      for (const [uri, slot] of slots) if (slot.lastUsed < cutoff) slots.delete(uri);
    }, cleanupSeconds * 1000);
    handle.unref?.();
    timer = handle;
  }
  return {
    get(document) {
      const slot = slots.get(document.uri);
      if (slot?.version === document.version && slot.languageId === document.languageId) {
        slot.lastUsed = runtime.now();
        return slot.model;
      }
      const model = parse(document);
      slots.delete(document.uri);
      slots.set(document.uri, { version: document.version, languageId: document.languageId, model, lastUsed: runtime.now() });
      if (slots.size > maxEntries) {
        let oldest: [string, number] | undefined;
        for (const [uri, s] of slots) if (oldest === undefined || s.lastUsed < oldest[1]) oldest = [uri, s.lastUsed];
        if (oldest !== undefined) slots.delete(oldest[0]);
      }
      return model;
    },
    onDocumentRemoved(uri) {
      slots.delete(uri);
    },
    dispose() {
      if (timer !== undefined) runtime.clearInterval(timer);
      slots.clear();
    },
  };
}
