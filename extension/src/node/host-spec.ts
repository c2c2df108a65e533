// Parsing what the user types for a node: an ssh config alias or `user@host:port`. Pure.

/** A typed host spec split into parts; `alias` is the text to look up in ~/.ssh/config. */
export interface HostSpec { alias: string; user?: string; port?: number }

/** Parses `[user@]host[:port]` (IPv6 in brackets). Returns an error sentence when it is not one. */
export function parseHostSpec(text: string): HostSpec | { error: string } {
  const t = text.trim();
  // No leading "-": a host or user that looks like an option never reaches an ssh command line.
  const m = /^(?:([A-Za-z0-9_][A-Za-z0-9._-]*)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*)(?::(\d{1,5}))?$/.exec(t);
  if (m === null) return { error: "Type an ssh config alias or user@host[:port], e.g. devbox or alice@10.0.0.5:2222." };
  const [, user, host = "", portText] = m;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) return { error: `Port ${portText} is out of range (1-65535).` };
  const alias = host.startsWith("[") ? host.slice(1, -1) : host;
  return { alias, ...(user === undefined ? {} : { user }), ...(port === undefined ? {} : { port }) };
}

/** A default project path on the node for a user and a folder name. */
export function defaultProjectPath(user: string, folderName: string): string {
  return `${user === "root" ? "/root" : `/home/${user}`}/${folderName}`;
}

/** Checks a project path typed for the node: absolute, no `..`, no shell-special characters. */
export function checkProjectPath(p: string): string | undefined {
  if (!p.startsWith("/")) return "Use the absolute path of the project on the node, e.g. /home/alice/myrepo.";
  if (p.split("/").includes("..")) return "Use a path without \"..\".";
  if (/[\0\n\r]/.test(p)) return "The path contains a control character.";
  return undefined;
}
