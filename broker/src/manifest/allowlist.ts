/**
 * What a project serves: the names the user approved on the laptop that the manifest file on
 * the node still lists. The file is writable from inside the container, so it may narrow what
 * is served but never widen it.
 */
export interface EffectiveAllowlist {
  /** Served names, in the manifest file's order. */
  served: string[];
  /** Names the laptop approved. */
  approvedCount: number;
  /** Approved names the file no longer lists. */
  narrowedCount: number;
  /** Names the file lists that were never approved. */
  unapprovedCount: number;
}

/** approved ∩ file names, with the counts `info` and `status` report. Pure. */
export function effectiveAllowlist(approved: readonly string[], fileNames: readonly string[]): EffectiveAllowlist {
  const approvedSet = new Set(approved);
  const fileSet = new Set(fileNames);
  const served = fileNames.filter((n) => approvedSet.has(n));
  return {
    served,
    approvedCount: approvedSet.size,
    narrowedCount: [...approvedSet].filter((n) => !fileSet.has(n)).length,
    unapprovedCount: [...fileSet].filter((n) => !approvedSet.has(n)).length,
  };
}
