import { MANIFEST_PATHS } from "#protocol";

/**
 * The project folder's basename for a manifest URI: the folder holding `.devcontainer/`
 * or `.remo/`. Undefined when the URI is not at a manifest path (then no name check).
 */
export function folderNameOf(uri: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(new URL(uri).pathname);
  } catch {
    return undefined;
  }
  for (const suffix of MANIFEST_PATHS) {
    if (path.endsWith(`/${suffix}`)) {
      const parent = path.slice(0, -suffix.length - 1);
      const name = parent.slice(parent.lastIndexOf("/") + 1);
      return name === "" ? undefined : name;
    }
  }
  return undefined;
}

/** Whether a URI is a manifest this server owns (for documents opened with language id "toml"). */
export function isManifestUri(uri: string): boolean {
  return MANIFEST_PATHS.some((p) => uri.endsWith(`/${p}`));
}
