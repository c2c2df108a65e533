// The manifest: its model, the TOML reader, schema navigation, validation, names and limits.
export * from "./model.ts";
export * from "./limits.ts";
export * from "./names.ts";
export * from "./schema.ts";
export * from "./suggest.ts";
export { humanizeTomlError, isTomlReason, parseTomlText, tomlErrorReason, tomlReasons, tomlSyntaxIssue, type TomlReason } from "./toml-syntax.ts";
export { schemaVersionTypeMessage } from "./ajv-messages.ts";
export { validateManifestValue } from "./validate.ts";
export { parseManifest } from "./parse.ts";
