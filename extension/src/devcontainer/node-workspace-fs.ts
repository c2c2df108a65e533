// WorkspaceFs on node:fs, for the synthesize CLI and tests (the extension uses vscode.workspace.fs instead).
import { cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { WorkspaceFs } from "./synthesize-workspace.ts";

/** A WorkspaceFs over the local disk: missing files read as undefined, writes create parent folders. */
export function nodeWorkspaceFs(): WorkspaceFs {
  return {
    readFile: async (path) => {
      try {
        return await readFile(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
    writeFile: async (path, data) => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data);
    },
    readDirectory: async (path) => {
      try {
        return await readdir(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return [];
        throw e;
      }
    },
    copyDirectory: async (from, to) => {
      await cp(from, to, { recursive: true, force: true });
    },
  };
}
