// Which file system a project folder is on, without touching the folder: a stat of a folder on a
// dead network mount would block, so the answer comes from the broker's mount table
// (/proc/self/mountinfo, which never blocks). The manifest readers use it to keep the readers a
// dead mount holds from starving projects on every other file system.
import { readFileSync } from "node:fs";

/** Unescapes a mountinfo path field: the kernel writes space, tab, newline and backslash as `\ooo`. */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount points of a /proc/<pid>/mountinfo text (field 5 of each line), in its order. */
export function parseMountPoints(mountinfo: string): string[] {
  const points: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const field = line.split(" ")[4];
    if (field?.startsWith("/") === true) points.push(unescapeField(field));
  }
  return points;
}

/**
 * The mount point that holds `path`: the longest of `points` that is `path` or one of its parent
 * folders, by components ("/srv" does not hold "/srv2"). Paths are taken as written: a symlink on
 * the way can put a folder on another file system than this says, which only moves it to
 * another group of readers.
 */
export function mountPointOf(path: string, points: readonly string[]): string {
  let best = "/";
  for (const p of points) {
    const holds = p === "/" || path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`);
    if (holds && p.length > best.length) best = p;
  }
  return best;
}

/** The mount point that holds `path` in the broker's own mount table; "/" when that cannot be read. */
export function fileSystemOf(path: string, readMountInfo: () => string = () => readFileSync("/proc/self/mountinfo", "utf8")): string {
  let text: string;
  try {
    text = readMountInfo();
  } catch {
    return "/";
  }
  return mountPointOf(path, parseMountPoints(text));
}
