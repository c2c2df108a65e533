import { basename, dirname, isAbsolute, join } from "node:path";
import { MANIFEST_PATHS, parseManifest, RemoError, type Manifest } from "#protocol";
import type { FolderOwner, ReadResult } from "./manifest-read-child.ts";
import { ManifestReaders, ReaderFailure } from "./manifest-reader.ts";

/** A manifest read from a project folder, the file it came from, and who owns the folder. */
export interface LoadedManifest {
  manifest: Manifest;
  file: string;
  /** The owner of project_path (the default socket owner). */
  folderOwner: FolderOwner;
}

/** How long a read may take. */
export interface ManifestReadPolicy {
  /** A read that takes longer fails (a hung network or FUSE file system must not stall the broker). */
  timeoutMs: number;
}

/** The largest manifest the broker reads (the wire's message limit; real ones are < 1 KiB). */
export const maxManifestBytes = 64 * 1024;

/** Default read timeout. */
export const manifestReadTimeoutMs = 2000;

const readers = new ManifestReaders();

/**
 * Finds and validates a project's manifest (first of MANIFEST_PATHS wins) and checks it names
 * the project being registered. The project folder is writable from inside the container and
 * the broker reads as root, so the folder holding the manifest and the file itself are opened
 * without following symlinks or blocking, and checked on their descriptors: a real directory and
 * a regular file of at most 64 KiB with one link, owned by the owner of project_path or root.
 * All of it (the stat of project_path too) runs in a reader process with a timeout, so a file
 * system that never answers holds that process, not the broker. Messages say what is wrong
 * without quoting a file the project owner does not own.
 * @throws RemoError `manifest_not_found` or `manifest_invalid`, each with what to do
 */
export async function loadProjectManifest(projectPath: string, name: string, policy: ManifestReadPolicy): Promise<LoadedManifest> {
  if (!isAbsolute(projectPath)) {
    throw new RemoError("manifest_not_found", `project_path "${projectPath}" must be an absolute path to the project folder.`);
  }
  const candidates = MANIFEST_PATHS.map((rel) => [join(projectPath, dirname(rel)), basename(rel)] as const);
  let result: ReadResult;
  try {
    result = await readers.read({ folder: projectPath, candidates, max: maxManifestBytes }, policy.timeoutMs);
  } catch (e) {
    throw readFailure(e, projectPath, policy.timeoutMs);
  }
  if (result.kind === "folder_error") {
    throw new RemoError("manifest_not_found", `Cannot find the project folder ${projectPath} (${result.code}). Check project_path and retry.`);
  }
  if (result.kind === "absent") {
    throw new RemoError("manifest_not_found",
      `No manifest in ${projectPath}: looked for ${MANIFEST_PATHS.join(" and ")}. Create ${MANIFEST_PATHS[0]} (schema_version = 1, [project] name = "${name}", [allowlist] secrets = [...]) and retry.`);
  }
  const file = join(projectPath, MANIFEST_PATHS[result.index] ?? "");
  if (result.kind === "error") throw new RemoError("manifest_not_found", `Cannot read ${file} (${result.code}). Check its permissions.`);
  if (result.kind === "refused") throw refusal(result, file, dirname(file));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(result.bytes);
  } catch {
    throw new RemoError("manifest_invalid", `${file} is not UTF-8 text. Save it as UTF-8, then retry.`);
  } finally {
    result.bytes.fill(0);
  }
  return { manifest: validate(text, file, projectPath, name, result.fileUid === result.folder.uid), file, folderOwner: result.folder };
}

/**
 * The owner of a project folder, stat-ed by a reader like a manifest read (a folder on a file
 * system that does not answer must not hold the broker's thread pool either).
 * @throws RemoError `manifest_not_found` or `manifest_invalid`, each with what to do
 */
export async function projectFolderOwner(projectPath: string, policy: ManifestReadPolicy): Promise<FolderOwner> {
  let result: ReadResult;
  try {
    result = await readers.read({ folder: projectPath, candidates: [], max: maxManifestBytes }, policy.timeoutMs);
  } catch (e) {
    throw readFailure(e, projectPath, policy.timeoutMs);
  }
  if (result.kind === "folder_error") throw new RemoError("manifest_not_found", `Cannot stat project_path ${projectPath} (${result.code}); pass --socket-owner UID:GID or fix the path.`);
  if (result.kind !== "absent") throw new RemoError("manifest_invalid", `The broker's manifest reader answered a stat of ${projectPath} with a read; retry.`);
  return result.folder;
}

function readFailure(e: unknown, projectPath: string, timeoutMs: number): RemoError {
  const where = `${MANIFEST_PATHS.join(" or ")} in ${projectPath}`;
  if (!(e instanceof ReaderFailure)) return new RemoError("manifest_invalid", `${where} could not be read (${(e as Error).message}).`);
  switch (e.reason) {
    case "timeout":
      return new RemoError("manifest_invalid", `${where} could not be read within ${timeoutMs / 1000} s: the file system holding the project does not answer. Check that file system (a network or FUSE mount that stopped answering), then retry.`);
    case "busy":
      return new RemoError("manifest_invalid", `${where} was not read: ${e.message}. Fix the file systems that do not answer (or unmount them), then retry.`);
    case "broken":
      return new RemoError("manifest_invalid", `${where} could not be read: ${e.message}. Retry; if it keeps failing, check the node's free memory and process limits.`);
  }
}

function refusal(r: Extract<ReadResult, { kind: "refused" }>, file: string, dir: string): RemoError {
  switch (r.why) {
    case "dir_link":
      return new RemoError("manifest_invalid", `${dir} is a symbolic link; the broker does not follow links in a project folder. Replace it with a real directory, then retry.`);
    case "file_link":
      return new RemoError("manifest_invalid", `${file} is a symbolic link; the broker does not follow links in a project folder. Replace it with a real file, then retry.`);
    case "dir_owner":
      return new RemoError("manifest_invalid", `${dir} is owned by UID ${r.uid}, neither the project's owner (UID ${r.folder.uid}) nor root, so the broker does not read the manifest in it. Fix its ownership, then retry.`);
    case "file_owner":
      return new RemoError("manifest_invalid", `${file} is owned by UID ${r.uid}, neither the project's owner (UID ${r.folder.uid}) nor root, so the broker does not read it. Fix its ownership, then retry.`);
    case "not_file":
      return new RemoError("manifest_invalid", `${file} is not a regular file (it is a ${r.fileType}), so the broker does not read it. Replace it with a plain file, then retry.`);
    case "links":
      return new RemoError("manifest_invalid", `${file} has ${r.nlink} hard links, so it may be another file's contents; the broker does not read it. Replace it with a plain copy, then retry.`);
    case "size":
      return new RemoError("manifest_invalid", `${file} is ${r.size} bytes; a manifest may be at most ${maxManifestBytes} bytes. Shorten it, then retry.`);
    case "grew":
      return new RemoError("manifest_invalid", `${file} is larger than ${maxManifestBytes} bytes; a manifest may be at most that. Shorten it, then retry.`);
  }
}

function validate(text: string, file: string, projectPath: string, name: string, quotable: boolean): Manifest {
  const result = parseManifest(text, { folderName: basename(projectPath) });
  const errors = result.issues.filter((i) => i.severity === "error");
  if (result.manifest === undefined || errors.length > 0) {
    // parseManifest's messages name keys from the file: only say them back when the file is the project owner's own.
    const shown = errors.slice(0, 3).map((i) => {
      const where = i.position === undefined ? "" : `line ${i.position.line + 1}: `;
      return quotable ? `${where}${i.message}` : `${where}${i.code}.`;
    });
    throw new RemoError("manifest_invalid", `${file} is invalid: ${shown.join(" ")}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ""} Fix it (the Remo extension shows every problem) and retry.`);
  }
  if (result.manifest.project.name !== name) {
    throw new RemoError("manifest_invalid", `${file} names another project than "${name}" in [project] name. Register the project under the name the manifest gives, or fix [project] name.`);
  }
  return result.manifest;
}
