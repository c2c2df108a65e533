// Resolves a host alias the way OpenSSH reads ~/.ssh/config: first value wins, Host patterns with * ? and !.

/** What an alias resolves to. Identity file paths are as written (`~` and `%` tokens expanded by the caller). */
export interface ResolvedSshHost { host: string; port?: number; user?: string; identityFiles: string[]; proxyJump?: string }

interface Entry { keyword: string; args: string[] }

/**
 * Resolves `alias` through an OpenSSH client config text (undefined: no config). Supports
 * Host blocks with wildcard and negated patterns, HostName (with %h), User, Port,
 * IdentityFile (all that apply, in order) and ProxyJump. `Match` blocks are not
 * evaluated (treated as not matching) and `Include` is not followed.
 */
export function resolveSshHost(alias: string, configText: string | undefined): ResolvedSshHost {
  const values = new Map<string, string[]>();
  const identityFiles: string[] = [];
  let active = true; // settings before the first Host line apply to every host
  for (const e of parseEntries(configText ?? "")) {
    if (e.keyword === "host") {
      active = hostMatches(alias, e.args);
      continue;
    }
    if (e.keyword === "match") {
      active = false;
      continue;
    }
    if (!active) continue;
    if (e.keyword === "identityfile") {
      if (e.args[0] !== undefined) identityFiles.push(e.args[0]);
    } else if (!values.has(e.keyword)) {
      values.set(e.keyword, e.args);
    }
  }
  const first = (k: string): string | undefined => values.get(k)?.[0];
  const hostName = first("hostname")?.replace(/%h/g, alias) ?? alias;
  const portText = first("port");
  const port = portText !== undefined && /^\d{1,5}$/.test(portText) ? Number(portText) : undefined;
  const user = first("user");
  const jump = first("proxyjump");
  return {
    host: hostName,
    ...(port === undefined ? {} : { port }),
    ...(user === undefined ? {} : { user }),
    identityFiles,
    ...(jump === undefined || jump.toLowerCase() === "none" ? {} : { proxyJump: jump }),
  };
}

/** The Host aliases a config names (no wildcards), for a picker. */
export function listSshHosts(configText: string | undefined): string[] {
  const out = new Set<string>();
  for (const e of parseEntries(configText ?? "")) {
    if (e.keyword !== "host") continue;
    for (const p of e.args) if (!/[*?!]/.test(p)) out.add(p);
  }
  return [...out];
}

function parseEntries(text: string): Entry[] {
  const out: Entry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z]+)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    out.push({ keyword: m[1].toLowerCase(), args: splitArgs(m[2]) });
  }
  return out;
}

function splitArgs(s: string): string[] {
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of s.matchAll(re)) {
    const a = m[1] ?? m[2] ?? "";
    if (a.startsWith("#")) break;
    args.push(a);
  }
  return args;
}

function hostMatches(alias: string, patterns: string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith("!");
    if (globMatch(negated ? p.slice(1) : p, alias)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return re.test(text);
}

/** Expands `~` and the tokens OpenSSH allows in IdentityFile (%d home, %u user, %h host, %r remote user, %%). */
export function expandSshPath(path: string, ctx: { home: string; localUser: string; host: string; remoteUser: string }): string {
  const p = path.startsWith("~/") || path === "~" ? ctx.home + path.slice(1) : path;
  return p.replace(/%([%dhur])/g, (_, t: string) => ({ "%": "%", "d": ctx.home, "u": ctx.localUser, "h": ctx.host, "r": ctx.remoteUser })[t] ?? "");
}
