import { readFile } from "node:fs/promises";
import { basename, isAbsolute, join } from "node:path";
import { MANIFEST_PATHS, parseManifest, RemoError, type Manifest } from "#protocol";

/** A manifest read from a project folder, and the file it came from. */
export interface LoadedManifest {
  manifest: Manifest;
  file: string;
}

/**
 * Finds and validates a project's manifest (DESIGN §2: first of MANIFEST_PATHS wins)
 * and checks it names the project being registered.
 * @throws RemoError `manifest_not_found` or `manifest_invalid`, each with what to do
 */
export async function loadProjectManifest(projectPath: string, name: string): Promise<LoadedManifest> {
  if (!isAbsolute(projectPath)) {
    throw new RemoError("manifest_not_found", `project_path "${projectPath}" must be an absolute path to the project folder.`);
  }
  for (const rel of MANIFEST_PATHS) {
    const file = join(projectPath, rel);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw new RemoError("manifest_not_found", `Cannot read ${file} (${code ?? "error"}). Check its permissions.`);
    }
    const result = parseManifest(text, { folderName: basename(projectPath) });
    const errors = result.issues.filter((i) => i.severity === "error");
    if (result.manifest === undefined || errors.length > 0) {
      const first = errors.slice(0, 3).map((i) => (i.position === undefined ? i.message : `line ${i.position.line + 1}: ${i.message}`));
      throw new RemoError("manifest_invalid", `${file} is invalid: ${first.join(" ")}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ""} Fix it (the Remo extension shows every problem) and retry.`);
    }
    if (result.manifest.project.name !== name) {
      throw new RemoError("manifest_invalid", `${file} names project "${result.manifest.project.name}", but register was asked for "${name}". Register it as "${result.manifest.project.name}" or fix [project] name.`);
    }
    return { manifest: result.manifest, file };
  }
  throw new RemoError("manifest_not_found",
    `No manifest in ${projectPath}: looked for ${MANIFEST_PATHS.join(" and ")}. Create ${MANIFEST_PATHS[0]} (schema_version = 1, [project] name = "${name}", [allowlist] secrets = [...]) and retry.`);
}
