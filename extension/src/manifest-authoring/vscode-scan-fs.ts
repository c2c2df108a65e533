// The workspace walk's file system on vscode.workspace.fs, so remote and virtual folders work.
import * as vscode from "vscode";
import type { ScanFs } from "./walk-workspace.ts";

/** vscode.workspace.fs as a {@link ScanFs}; symbolic links are "other" (not followed). */
export function workspaceScanFs(): ScanFs<vscode.Uri> {
  const fs = vscode.workspace.fs;
  return {
    list: async (dir) => (await fs.readDirectory(dir)).map(([name, type]): [string, "file" | "directory" | "other"] => [
      name,
      (type & vscode.FileType.SymbolicLink) !== 0 ? "other" : type === vscode.FileType.Directory ? "directory" : type === vscode.FileType.File ? "file" : "other",
    ]),
    size: async (file) => (await fs.stat(file)).size,
    read: async (file) => await fs.readFile(file),
    child: (dir, name) => vscode.Uri.joinPath(dir, name),
  };
}
