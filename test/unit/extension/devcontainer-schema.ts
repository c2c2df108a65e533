// Validates devcontainer.json values against the vendored reference schema (test/fixtures/devcontainer/schema).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { parse } from "jsonc-parser";

const schemaPath = join(import.meta.dirname, "../../fixtures/devcontainer/schema/devContainer.base.schema.json");

let validate: ReturnType<Ajv2019["compile"]> | undefined;

/** The schema errors of a devcontainer.json text, as readable strings ([] when valid). */
export function devcontainerSchemaErrors(text: string): string[] {
  if (validate === undefined) {
    // The schema uses VS Code's extra keywords (allowComments, deprecationMessage, …): not strict.
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")) as object);
  }
  const value: unknown = parse(text, [], { allowTrailingComma: true });
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`);
}
