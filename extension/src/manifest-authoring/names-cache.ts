// The workspace's allowlisted names, for completion: reading every manifest of the workspace
// (findFiles, or a walk of a virtual folder) on each completion request is slow in a large
// workspace, so the answer is kept until a manifest changes. Pure: no vscode import.

/** Something that stops calling back when disposed (vscode.Disposable has this shape). */
export interface Unsubscribe { dispose(): void }

/** How long an answer is kept even when no change was seen (a file system may not report changes). */
export const namesCacheMaxAgeMs = 30_000;

/**
 * `load`'s answer, kept until a change is reported through `subscribe` or it is
 * `maxAgeMs` old. An answer whose load began before the last change is handed to its callers
 * but not kept, so a change during a load is never lost.
 */
export class CachedUntilChanged<T> {
  private value: { at: number; answer: Promise<T> } | undefined;
  private generation = 0;
  private readonly subscriptions: Unsubscribe[];

  constructor(private readonly load: () => Promise<T>, subscribe: (changed: () => void) => Unsubscribe[], private readonly now: () => number, private readonly maxAgeMs = namesCacheMaxAgeMs) {
    this.subscriptions = subscribe(() => { this.generation++; this.value = undefined; });
  }

  get(): Promise<T> {
    const t = this.now();
    if (this.value !== undefined && t - this.value.at < this.maxAgeMs) return this.value.answer;
    const started = this.generation;
    const answer = this.load();
    this.value = { at: t, answer };
    // A failed load or one overtaken by a change is not kept.
    answer.then(() => { if (this.generation !== started) this.drop(answer); }, () => { this.drop(answer); });
    return answer;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.value = undefined;
  }

  private drop(answer: Promise<T>): void {
    if (this.value?.answer === answer) this.value = undefined;
  }
}
