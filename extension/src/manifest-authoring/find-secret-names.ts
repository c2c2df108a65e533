// Finds environment-variable names a workspace reads, to pre-fill a new manifest. Pure: file texts in, names out.
import { compareCodeUnits, secretNamePattern } from "#protocol";

/** One name found, with where it was seen (`path:line`, first few places). */
export interface FoundSecretName {
  name: string;
  sources: string[];
  /** True when the name looks like a credential (TOKEN, KEY, SECRET, PASSWORD, …); these sort first. */
  likelySecret: boolean;
}

const id = "([A-Za-z_][A-Za-z0-9_]*)";
const quoted = `["'\`]${id}["'\`]`;

/** Access patterns by language. Each has exactly one capture group: the name. */
const codePatterns: readonly RegExp[] = [
  new RegExp(`\\bprocess\\.env\\.${id}`, "g"),
  new RegExp(`\\bprocess\\.env\\[\\s*${quoted}\\s*\\]`, "g"),
  new RegExp(`\\bimport\\.meta\\.env\\.${id}`, "g"),
  new RegExp(`\\bDeno\\.env\\.get\\(\\s*${quoted}`, "g"),
  new RegExp(`\\bBun\\.env\\.${id}`, "g"),
  new RegExp(`\\b(?:os\\.)?environ\\[\\s*${quoted}\\s*\\]`, "g"),
  new RegExp(`\\b(?:os\\.)?environ\\.(?:get|pop|setdefault)\\(\\s*${quoted}`, "g"),
  new RegExp(`\\bos\\.getenv\\(\\s*${quoted}`, "g"),
  new RegExp(`\\$\\{\\{[^}]*?\\bsecrets\\.${id}`, "g"),
  new RegExp(`\\b(?:std::)?env::var(?:_os)?\\(\\s*"${id}"`, "g"),
  new RegExp(`\\b(?:option_)?env!\\(\\s*"${id}"`, "g"),
  new RegExp(`\\bos\\.(?:Getenv|LookupEnv)\\(\\s*"${id}"`, "g"),
  new RegExp(`\\bENV(?:\\.fetch\\(\\s*|\\[\\s*)${quoted}`, "g"),
  new RegExp(`\\bSystem\\.getenv\\(\\s*"${id}"`, "g"),
];

/** Files that list variable names with example (not real) values. A real `.env` is never read for names. */
const envExampleFile = /(^|\/)(\.env\.(example|sample|template|dist|defaults)|\.env-example|example\.env|env\.example)$/i;
const envLine = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** Variables every process has; offering them as secrets would be noise. */
const notSecrets = new Set([
  "PATH", "HOME", "USER", "USERNAME", "SHELL", "PWD", "OLDPWD", "TERM", "LANG", "LC_ALL", "TZ", "TMPDIR", "TEMP", "TMP",
  "HOSTNAME", "NODE_ENV", "CI", "DEBUG", "PORT", "HOST", "EDITOR", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "PYTHONPATH",
  "GITHUB_WORKSPACE", "GITHUB_REF", "GITHUB_SHA", "GITHUB_EVENT_NAME", "GITHUB_REPOSITORY", "RUNNER_OS", "LOG_LEVEL",
]);

const secretWords = /(TOKEN|SECRET|PASSWORD|PASSWD|PASS|KEY|CREDENTIAL|AUTH|PAT|PRIVATE_?KEY|CERT|DSN|WEBHOOK|COOKIE|SESSION)/i;
const maxSourcesPerName = 5;

/**
 * Finds the environment-variable names the given files read: `process.env.X`,
 * `os.environ["X"]`, `os.getenv("X")`, `${{ secrets.X }}`, `.env.example` keys,
 * `std::env::var("X")`, `os.Getenv("X")`, `ENV["X"]` and a few more. Names that are
 * not valid secret names or are ordinary process variables are left out. Likely
 * credentials sort first, then by name.
 */
export function findSecretNames(files: { path: string; text: string }[]): FoundSecretName[] {
  const found = new Map<string, string[]>();
  const add = (name: string, where: string): void => {
    if (!secretNamePattern.test(name) || notSecrets.has(name)) return;
    const list = found.get(name) ?? [];
    if (list.length < maxSourcesPerName && !list.includes(where)) list.push(where);
    found.set(name, list);
  };
  for (const file of files) {
    const lines = file.text.split(/\r?\n/);
    if (envExampleFile.test(file.path)) {
      lines.forEach((line, i) => {
        const m = envLine.exec(line);
        if (m?.[1] !== undefined) add(m[1], `${file.path}:${i + 1}`);
      });
      continue;
    }
    lines.forEach((line, i) => {
      for (const re of codePatterns) {
        re.lastIndex = 0;
        for (const m of line.matchAll(re)) {
          if (m[1] !== undefined) add(m[1], `${file.path}:${i + 1}`);
        }
      }
    });
  }
  return [...found.entries()]
    .map(([name, sources]) => ({ name, sources, likelySecret: secretWords.test(name) }))
    .sort((a, b) => Number(b.likelySecret) - Number(a.likelySecret) || compareCodeUnits(a.name, b.name));
}

/** True for paths worth scanning (source, workflow and env-example files), so callers can skip the rest cheaply. */
export function isScannablePath(path: string): boolean {
  if (/(^|\/)(node_modules|\.git|dist|out|target|vendor|\.venv|venv|__pycache__)\//.test(path)) return false;
  return envExampleFile.test(path) || /\.(m?[jt]sx?|cjs|cts|py|rs|go|rb|java|kt|ya?ml)$/i.test(path);
}
