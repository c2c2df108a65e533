/**
 * Runs tasks one at a time, in call order. The broker's mutating admin ops go through one of
 * these so file order and memory order always agree; anything slow that does not mutate
 * (reading a project's manifest) happens before a task is queued, so it never holds up the others.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
