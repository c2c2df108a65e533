/** An in-memory VS Code Memento (globalState/workspaceState), the one API the stores under test use. */
export interface TestMemento {
  get<T>(k: string, d?: T): T | undefined;
  update(k: string, v: unknown): Promise<void>;
  data: Record<string, unknown>;
}

/** A Memento over a plain object; values are cloned in and out, as VS Code serializes them. */
export function memento(initial: Record<string, unknown> = {}): TestMemento {
  const data: Record<string, unknown> = structuredClone(initial);
  return {
    data,
    get: <T>(k: string, d?: T) => (k in data ? structuredClone(data[k]) as T : d),
    update: (k: string, v: unknown) => { if (v === undefined) Reflect.deleteProperty(data, k); else data[k] = structuredClone(v); return Promise.resolve(); },
  };
}
