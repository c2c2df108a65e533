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
