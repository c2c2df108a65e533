/**
 * Stable diagnostic codes for manifest findings. Quick fixes key on these and on
 * the typed `data`, never on message text. Renaming one is a breaking change.
 */
export const DiagnosticCode = {
  tomlSyntax: "toml-syntax",
  missingKey: "missing-key",
  unknownKey: "unknown-key",
  wrongType: "wrong-type",
  unsupportedSchemaVersion: "unsupported-schema-version",
  badProjectName: "bad-project-name",
  projectNameMismatch: "project-name-mismatch",
  descriptionTooLong: "description-too-long",
  badSecretName: "bad-secret-name",
  duplicateSecret: "duplicate-secret",
  outOfRange: "out-of-range",
  invalidValue: "invalid-value",
} as const;

/** One of the {@link DiagnosticCode} strings. */
export type DiagnosticCode = (typeof DiagnosticCode)[keyof typeof DiagnosticCode];

/** The `source` every manifest diagnostic carries. */
export const DIAGNOSTIC_SOURCE = "remo";

/** `data` of an `unknown-key` finding: the key as written and the closest allowed key, if any. */
export interface UnknownKeyData {
  key: string;
  suggestion?: string;
}

/** `data` of a `missing-key` finding: what is missing, under which table path (`[]` is the top level). */
export interface MissingKeyData {
  key: string;
  parent: (string | number)[];
  isTable: boolean;
}

/** `data` of `project-name-mismatch`, `bad-project-name` and `unsupported-schema-version`: the value to put instead. */
export interface ReplacementData {
  replacement: string | number;
}

/**
 * `data` of a `duplicate-secret` finding. The later copy (`index`) is the error; the editor also
 * marks the first (`isFirst: true`, where `index === firstIndex`) as information.
 */
export interface DuplicateSecretData {
  name: string;
  firstIndex: number;
  index: number;
  isFirst?: boolean;
}
