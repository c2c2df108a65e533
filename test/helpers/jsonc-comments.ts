import { visit } from "jsonc-parser";

/** Every comment of a JSONC text, in order (the parser knows strings from comments). */
export function jsoncComments(text: string): string[] {
  const out: string[] = [];
  visit(text, { onComment: (offset, length) => { out.push(text.slice(offset, offset + length)); } }, { allowTrailingComma: true });
  return out;
}
