import { secretNamePattern } from "#protocol/names";
import { callBroker, requireAll, type CallOptions } from "./broker-calls.ts";
import { clientError } from "./exit-codes.ts";
import { writeOut, type Io } from "./io.ts";
import { decodeValue } from "./secrets.ts";

/** The mapping used when nothing is configured: GitHub, with the token most people have. */
export const defaultHostSecrets: Readonly<Record<string, string>> = { "github.com": "GITHUB_TOKEN" };

/** The username sent with a token; GitHub accepts any non-empty one, this is its documented choice. */
export const defaultUsername = "x-access-token";

/** Parses git's credential input: `key=value` lines up to a blank line or EOF. */
export function parseCredentialInput(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const l = line.replace(/\r$/, "");
    if (l === "") break;
    const eq = l.indexOf("=");
    if (eq > 0) fields.set(l.slice(0, eq), l.slice(eq + 1));
  }
  return fields;
}

/**
 * Parses REMO_GIT_CREDENTIALS: `host=SECRET[:username],host2=SECRET2`.
 * Malformed entries are a usage error (a typo must not silently send no token).
 */
export function parseHostMap(spec: string): Map<string, { secret: string; username?: string }> {
  const map = new Map<string, { secret: string; username?: string }>();
  for (const entry of spec.split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const m = /^([A-Za-z0-9.-]+(?::\d+)?)=([^:]+)(?::(.+))?$/.exec(entry);
    if (!m?.[1] || !m[2] || !secretNamePattern.test(m[2])) {
      throw clientError("usage", { detail: `REMO_GIT_CREDENTIALS entry "${entry}" is not host=SECRET_NAME[:username]` });
    }
    map.set(m[1].toLowerCase(), m[3] === undefined ? { secret: m[2] } : { secret: m[2], username: m[3] });
  }
  return map;
}

/** Reads one `git config` key, or undefined when unset (or git is missing). */
export type GitConfigReader = (key: string) => Promise<string | undefined> | string | undefined;

/** Runs `git config --get KEY`; git sets GIT_* for us when it runs the helper. */
export const readGitConfig: GitConfigReader = async (key) => {
  // Loaded on demand: only this command needs child_process.
  const { spawnSync } = await import("node:child_process");
  const r = spawnSync("git", ["config", "--get", key], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
};

/** Which secret (and username) serves a host: env mapping, then git config, then the default. */
export async function resolveHost(host: string, env: NodeJS.ProcessEnv, gitConfig: GitConfigReader): Promise<{ secret: string; username: string } | null> {
  const h = host.toLowerCase();
  const fromEnv = parseHostMap(env.REMO_GIT_CREDENTIALS ?? "").get(h);
  if (fromEnv) return { secret: fromEnv.secret, username: fromEnv.username ?? defaultUsername };
  // git config keys are case-insensitive in section and key, but the subsection (host) is exact.
  const fromGit = /^[A-Za-z0-9.:-]+$/.test(h) ? await gitConfig(`remo.credential.${h}.secret`) : undefined;
  if (fromGit !== undefined && fromGit !== "") {
    if (!secretNamePattern.test(fromGit)) throw clientError("usage", { detail: `git config remo.credential.${h}.secret is "${fromGit.slice(0, 40)}", not a secret name` });
    return { secret: fromGit, username: (await gitConfig(`remo.credential.${h}.username`)) ?? defaultUsername };
  }
  const fallback = defaultHostSecrets[h];
  return fallback === undefined ? null : { secret: fallback, username: defaultUsername };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `git-credential get|store|erase`: the git credential helper protocol. `get` answers
 * `username`/`password` for a mapped host when git says `protocol=https`, and prints
 * nothing otherwise, including when no protocol is given (git then asks its next helper). `store` and `erase` do nothing: the broker
 * is the store, and git must not keep a copy.
 */
export async function runGitCredential(call: CallOptions, io: Io, action: string | undefined, gitConfig: GitConfigReader = readGitConfig): Promise<number> {
  const input = parseCredentialInput(await readAll(io.stdin));
  if (action === "store" || action === "erase") return 0;
  if (action !== "get") throw clientError("usage", { detail: `git-credential takes get, store or erase, not "${action ?? ""}"` });
  const host = input.get("host");
  const protocol = input.get("protocol");
  // Only an explicit https request gets a token: a missing protocol line could be any scheme
  // (plain http, or a caller that is not git), and an answer cannot be taken back.
  if (host === undefined || protocol !== "https") return 0;
  const target = await resolveHost(host, io.env, gitConfig);
  if (target === null) return 0;
  const [reply] = requireAll((await callBroker(call, [{ op: "get", name: target.secret }])).outcomes);
  const value = decodeValue(target.secret, reply ?? {});
  if (value.text === undefined || /[\n\0]/.test(value.text)) {
    throw clientError("unusable_value", { name: target.secret, detail: "contains a newline, NUL or non-UTF-8 bytes, so git cannot use it as a password" });
  }
  const username = input.get("username") ?? target.username;
  await writeOut(io.stdout, `username=${username}\npassword=${value.text}\n`);
  return 0;
}
