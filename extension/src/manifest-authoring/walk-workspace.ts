// Collects the files worth scanning for secret names by walking a folder through an injected
// file system (vscode.workspace.fs in the extension), within a budget of files, bytes and time:
// a remote or virtual workspace has no search index, and a huge one must not stall the command.
import { compareCodeUnits } from "#protocol";
import { isScannablePath } from "./find-secret-names.ts";

/** What the walk needs of a file system; `U` is the URI type (vscode.Uri in the extension). */
export interface ScanFs<U> {
  /** Entries of a folder: name and kind. Symbolic links are reported as "other" and not followed. */
  list(dir: U): Promise<[string, "file" | "directory" | "other"][]>;
  /** Size in bytes. */
  size(file: U): Promise<number>;
  read(file: U): Promise<Uint8Array>;
  child(dir: U, name: string): U;
}

/** Limits of one walk. */
export interface ScanBudget {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
  /** Wall-clock budget in ms, measured with `now`. */
  maxMs: number;
  now: () => number;
  isCancelled?: () => boolean;
}

/** The files read, and why the walk stopped early (undefined when it saw everything). */
export interface ScanResult { files: { path: string; text: string }[]; stoppedBecause?: string }

const skippedDirs = new Set(["node_modules", ".git", "dist", "out", "target", "vendor", ".venv", "venv", "__pycache__"]);

/**
 * Walks `root` breadth-first (shallow files first) and returns the texts of the files `include`
 * accepts (by path relative to `root`; the files worth scanning for secret names by default).
 */
export async function walkWorkspace<U>(root: U, fs: ScanFs<U>, budget: ScanBudget, include: (path: string) => boolean = isScannablePath): Promise<ScanResult> {
  const start = budget.now();
  const files: { path: string; text: string }[] = [];
  let total = 0;
  const queue: [U, string][] = [[root, ""]];
  const over = (): string | undefined => {
    if (budget.isCancelled?.() === true) return "cancelled";
    if (budget.now() - start > budget.maxMs) return `time budget of ${budget.maxMs} ms used`;
    if (files.length >= budget.maxFiles) return `${budget.maxFiles} files read`;
    if (total >= budget.maxTotalBytes) return `${budget.maxTotalBytes} bytes read`;
    return undefined;
  };
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [dir, rel] = next;
    let entries: [string, "file" | "directory" | "other"][];
    try {
      entries = await fs.list(dir);
    } catch {
      continue; // an unreadable folder contributes nothing; the rest still counts
    }
    entries.sort((a, b) => compareCodeUnits(a[0], b[0]));
    for (const [name, kind] of entries) {
      const stop = over();
      if (stop !== undefined) return { files, stoppedBecause: stop };
      const path = rel === "" ? name : `${rel}/${name}`;
      if (kind === "directory") {
        if (!skippedDirs.has(name)) queue.push([fs.child(dir, name), path]);
        continue;
      }
      if (kind !== "file" || !include(path)) continue;
      const uri = fs.child(dir, name);
      try {
        const size = await fs.size(uri);
        if (size > budget.maxFileBytes || total + size > budget.maxTotalBytes) continue;
        const bytes = await fs.read(uri);
        total += bytes.byteLength;
        files.push({ path, text: new TextDecoder().decode(bytes) });
      } catch {
        // a file that vanished or cannot be read is skipped
      }
    }
  }
  return { files };
}
