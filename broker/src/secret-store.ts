import type { Bundle } from "#protocol";

/** One loaded bundle: immutable once built, replaced whole by a push. */
export interface Snapshot {
  readonly secrets: Bundle;
  readonly loadedAt: Date;
}

/**
 * The decrypted secrets in memory: the node-wide bundle and per-project bundles.
 * A push builds a new Snapshot and swaps the reference in one assignment, so a
 * lookup sees either the old or the new set, never a mix (Node runs one JS thread,
 * and in-flight gets already hold the value they read).
 */
export class SecretStore {
  private nodeWide: Snapshot | undefined;
  private readonly perProject = new Map<string, Snapshot>();

  /** The value for `name` as `project` sees it: its own bundle first, then the node-wide one. */
  lookup(project: string, name: string): string | undefined {
    return this.perProject.get(project)?.secrets.get(name) ?? this.nodeWide?.secrets.get(name);
  }

  /** Replaces the node-wide bundle (`project` undefined) or one project's bundle. */
  replace(project: string | undefined, snapshot: Snapshot): void {
    if (project === undefined) this.nodeWide = snapshot;
    else this.perProject.set(project, snapshot);
  }

  /** Drops a bundle from memory. JS strings cannot be zeroed; dropping every reference is what we can do. */
  clear(project: string | undefined): void {
    if (project === undefined) this.nodeWide = undefined;
    else this.perProject.delete(project);
  }

  /** The node-wide snapshot, if any. */
  get node(): Snapshot | undefined {
    return this.nodeWide;
  }

  /** A project's own snapshot, if any. */
  project(name: string): Snapshot | undefined {
    return this.perProject.get(name);
  }
}
