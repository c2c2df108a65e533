import type { DiagnosticCode } from "../diagnostics.ts";

/** Where a project's manifest may live, first match wins. */
export const MANIFEST_PATHS = [".devcontainer/remo-broker.toml", ".remo/broker.toml"] as const;

/** A valid manifest, as the broker and the extension use it. */
export interface Manifest {
  schemaVersion: 1;
  project: { name: string; description?: string };
  allowlist: string[];
  cache: { ttlSeconds?: number; maxEntries?: number };
}

/** A path into the parsed TOML value: table keys and array indexes. */
export type ManifestPath = readonly (string | number)[];

/** One finding about a manifest, located by path (or by line/column for syntax errors). */
export interface ManifestIssue {
  code: DiagnosticCode;
  message: string;
  severity: "error" | "warning";
  /** The value or key the issue is about; `[]` is the whole document. */
  path: ManifestPath;
  /** Whether the range should cover the key (unknown key, duplicate) or its value. */
  target: "key" | "value" | "table";
  /** For syntax errors: 0-based line and column (UTF-16) of the parser's position. */
  position?: { line: number; column: number };
  /** Typed payload for quick fixes (see diagnostics.ts). */
  data?: Record<string, unknown>;
}

/** The result of reading a manifest's text. */
export interface ManifestParseResult {
  /** The raw TOML value, when the text parsed. */
  value: Record<string, unknown> | undefined;
  /** The manifest, when there were no errors. */
  manifest: Manifest | undefined;
  issues: ManifestIssue[];
}

/** Options for parseManifest. */
export interface ManifestContext {
  /** The basename of the folder holding `.devcontainer/` or `.remo/`; checked against project.name. */
  folderName?: string;
}
