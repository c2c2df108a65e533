/** The slice of Ajv's ValidateFunction that generated validators expose (no Ajv import at run time). */
export interface ValidateFunction {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

/** One Ajv error object, as produced by the standalone validators. */
export interface AjvError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
}
