/** The caret marker written into fixture text (yaml-language-server's testHelper style). */
export const caretMarker = "<|>";

/** A fixture with its caret: the text without the marker, and the caret as offset and UTF-16 position. */
export interface CaretFixture {
  text: string;
  offset: number;
  position: { line: number; character: number };
}

/** Strips the one `<|>` marker from `source` and returns where it was, e.g. `at('secrets = ["<|>"]')`. */
export function at(source: string): CaretFixture {
  const offset = source.indexOf(caretMarker);
  if (offset === -1 || source.includes(caretMarker, offset + 1)) throw new Error("caret fixture needs exactly one <|> marker");
  const text = source.slice(0, offset) + source.slice(offset + caretMarker.length);
  const before = text.slice(0, offset);
  const line = before.split(/\r\n|\r|\n/).length - 1;
  const lineStart = Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r")) + 1;
  return { text, offset, position: { line, character: offset - lineStart } };
}
