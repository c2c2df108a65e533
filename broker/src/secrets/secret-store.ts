/** Decrypted secrets: name → value bytes. The Buffers are zero-filled when the snapshot is dropped. */
export type SecretValues = ReadonlyMap<string, Buffer>;

/** One loaded bundle: built once, replaced whole by a push. */
export interface Snapshot {
  readonly secrets: SecretValues;
  readonly loadedAt: Date;
}

/** Overwrites every value of a snapshot with zeros, so a dropped bundle leaves no plaintext in its Buffers. */
export function wipeSnapshot(snapshot: Snapshot | undefined): void {
  if (snapshot === undefined) return;
  for (const v of snapshot.secrets.values()) v.fill(0);
}

/**
 * The decrypted secrets in memory: the node-wide bundle and per-project bundles.
 * A push builds a new Snapshot and swaps the reference in one assignment, so a
 * lookup sees either the old or the new set, never a mix. The old snapshot is then
 * zero-filled: gets read and convert a value within one synchronous step, so no
 * request still holds it (Node runs one JS thread).
 */
export class SecretStore {
  private nodeWide: Snapshot | undefined;
  private readonly perProject = new Map<string, Snapshot>();

  /** The value for `name` as `project` sees it: its own bundle first, then the node-wide one. */
  lookup(project: string, name: string): Buffer | undefined {
    return this.perProject.get(project)?.secrets.get(name) ?? this.nodeWide?.secrets.get(name);
  }

  /** Replaces the node-wide bundle (`project` undefined) or one project's bundle, wiping the old one. */
  replace(project: string | undefined, snapshot: Snapshot): void {
    const old = project === undefined ? this.nodeWide : this.perProject.get(project);
    if (project === undefined) this.nodeWide = snapshot;
    else this.perProject.set(project, snapshot);
    if (old !== snapshot) wipeSnapshot(old);
  }

  /** Drops a bundle from memory and zero-fills its values. */
  clear(project: string | undefined): void {
    const old = project === undefined ? this.nodeWide : this.perProject.get(project);
    if (project === undefined) this.nodeWide = undefined;
    else this.perProject.delete(project);
    wipeSnapshot(old);
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
