import { validateManifestValue, type ManifestContext, type ManifestIssue } from "#protocol";
import { buildKeyIndex, type TomlKeyIndex } from "./key-index.ts";
import { floatForIntegerIssues, withoutBrokenKeys } from "./manifest-rules.ts";
import { LineIndex } from "./positions.ts";
import { recoverToml, type SyntaxProblem } from "./recover.ts";

export type { SyntaxProblem } from "./recover.ts";

/** Everything the features need about one version of a manifest. */
export interface ParsedManifest {
  readonly text: string;
  /** Offsets ↔ positions; built on first use. */
  readonly lines: LineIndex;
  /** The parsed value: of the whole text, or of the text with its broken statements blanked. */
  readonly value: Record<string, unknown> | undefined;
  /** Schema and rule findings on {@link value}, minus the ones a blanked statement explains. */
  readonly issues: ManifestIssue[];
  readonly syntax: SyntaxProblem[];
  /** The position map of the text that parsed (offsets are the same as the original's); built on first use. */
  readonly index: TomlKeyIndex;
}

/**
 * Parses and validates a manifest's text: TOML recovery (toml/recover.ts), then protocol's
 * validation and the editor's own rules (toml/manifest-rules.ts) on what parsed. The position
 * map and line index are built lazily: a valid manifest, the common case while typing, costs
 * one parse and one validation. Never throws.
 */
export function parseDocument(text: string, context: ManifestContext): ParsedManifest {
  let lineIndex: LineIndex | undefined;
  const recovered = recoverToml(text, () => (lineIndex ??= new LineIndex(text)));
  const { value, syntax, parsedText, originalIndex } = recovered;
  let keyIndex = recovered.parsedIndex;
  const index = (): TomlKeyIndex => (keyIndex ??= buildKeyIndex(parsedText));
  let issues = value === undefined ? [] : validateManifestValue(value, context);
  if (originalIndex !== undefined && syntax.length > 0) issues = withoutBrokenKeys(issues, originalIndex);
  issues.push(...floatForIntegerIssues(parsedText, index, issues));
  return new LazyParsedManifest(text, value, issues, syntax, parsedText, lineIndex, keyIndex);
}

class LazyParsedManifest implements ParsedManifest {
  constructor(
    readonly text: string,
    readonly value: Record<string, unknown> | undefined,
    readonly issues: ManifestIssue[],
    readonly syntax: SyntaxProblem[],
    private readonly parsedText: string,
    private lineIndex: LineIndex | undefined,
    private keyIndex: TomlKeyIndex | undefined,
  ) {}

  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  get index(): TomlKeyIndex {
    return (this.keyIndex ??= buildKeyIndex(this.parsedText));
  }
}
