// A small strict .env parser for "Import Secrets from .env File…". Strict on purpose: a line
// it cannot read is reported by number (never with its value) instead of being guessed at,
// and nothing is expanded (`$OTHER` stays literal), so the stored value is exactly the text.
import { secretNamePattern } from "#protocol";

/** One NAME=value pair and the line it starts on (1-based). */
export interface DotenvEntry {
  name: string;
  value: string;
  line: number;
}

/** What a .env file held: the usable pairs, and a sentence per line that was not. */
export interface DotenvParse {
  entries: DotenvEntry[];
  problems: { line: number; message: string }[];
}

const assignment = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/s;

/** Parses .env text: `NAME=value`, `export NAME=value`, '…' literal, "…" with \n \t \" \\ escapes, # comments. */
export function parseDotenv(text: string): DotenvParse {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const entries: DotenvEntry[] = [];
  const problems: DotenvParse["problems"] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = assignment.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) {
      problems.push({ line: lineNo, message: `line ${lineNo} is not NAME=value (names are letters, digits and _, not starting with a digit)` });
      continue;
    }
    const name = m[1];
    let rest = m[2];
    let value: string | undefined;
    const quote = rest[0];
    if (quote === "'" || quote === "\"") {
      // A quoted value may run over several lines, up to the closing quote.
      let j = i;
      let close = findClose(rest, quote);
      while (close < 0 && j + 1 < lines.length) {
        j++;
        rest += "\n" + (lines[j] ?? "");
        close = findClose(rest, quote);
      }
      const after = close < 0 ? "" : rest.slice(close + 1).trim();
      if (close < 0) {
        problems.push({ line: lineNo, message: `line ${lineNo}: the value of ${name} opens a ${quote === "'" ? "single" : "double"} quote that is never closed` });
        break;
      }
      i = j;
      if (after !== "" && !after.startsWith("#")) {
        problems.push({ line: lineNo, message: `line ${lineNo}: text after the closing quote of ${name}; put a comment after " #" or quote the whole value` });
        continue;
      }
      const body = rest.slice(1, close);
      value = quote === "'" ? body : unescapeDouble(body);
    } else {
      // Unquoted: a " #" starts a comment; quotes inside are kept as they are.
      const hash = rest.search(/\s#/);
      value = (hash < 0 ? rest : rest.slice(0, hash)).trim();
    }
    if (!secretNamePattern.test(name)) {
      problems.push({ line: lineNo, message: `line ${lineNo}: ${name.slice(0, 40)} is longer than 128 characters, too long for a secret name` });
      continue;
    }
    if (value === "") {
      problems.push({ line: lineNo, message: `line ${lineNo}: ${name} has an empty value; set it or remove the line` });
      continue;
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      problems.push({ line: lineNo, message: `line ${lineNo}: ${name} is already set on line ${earlier}; keep one of them` });
      continue;
    }
    seen.set(name, lineNo);
    entries.push({ name, value, line: lineNo });
  }
  return { entries, problems };
}

/** Index of the closing quote after position 0, skipping backslash escapes inside "…"; -1 when none. */
function findClose(s: string, quote: string): number {
  for (let k = 1; k < s.length; k++) {
    if (quote === "\"" && s[k] === "\\") { k++; continue; }
    if (s[k] === quote) return k;
  }
  return -1;
}

function unescapeDouble(body: string): string {
  return body.replace(/\\(.)/gs, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c));
}
