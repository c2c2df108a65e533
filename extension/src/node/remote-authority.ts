// Which node a VS Code window belongs to, read from its workspace folder's remote authority.
// Pure: the authority string and the folder's path in, a description of the node out.
//
// Formats (as Remote-SSH and Dev Containers write them):
//   ssh-remote+<host>                      host: alias, user@host, or hex of {"hostName","user"?,"port"?}
//   dev-container+<hex JSON>[@<outer>]     JSON: {"hostPath", "settings"?: {"host"?, "context"?}, "configFile"?, …};
//                                          older releases hex-encode the host path alone
//   attached-container+<hex JSON>[@<outer>] JSON: {"containerName", "settings"?}
// `<outer>` is the authority of the machine that runs the containers (usually ssh-remote+…).
// Anything else (wsl+, codespaces+, tunnel+, code-server's `host:port`) does not name a node.

/** An SSH host as a window names it, before ~/.ssh/config is applied. */
export interface SshHostRef {
  /** The text to resolve through the ssh config (an alias or a host name). */
  alias: string;
  user?: string;
  port?: number;
}

/** The node a window maps to, and where the project is on it. */
export interface WindowNode {
  kind: "node";
  /** Which remote extension put the window there. */
  via: "ssh-remote" | "dev-container" | "attached-container";
  host: SshHostRef;
  /** The project folder on the node, when the authority says it. */
  projectPath?: string;
  /** The container's name (attached containers), for messages. */
  containerName?: string;
}

/** A window that names no node, with a sentence that says why (shown to the user). */
export interface NoWindowNode {
  kind: "none";
  /** `local`: a plain laptop window; `laptop-containers`: containers run on the laptop; `unsupported`: another remote; `invalid`: unreadable. */
  reason: "local" | "laptop-containers" | "unsupported" | "invalid";
  message: string;
  /** What is known even so (a dev container on the laptop still has a host path). */
  projectPath?: string;
}

/** What {@link windowNodeFromAuthority} returns. */
export type WindowLocation = WindowNode | NoWindowNode;

// Host names, aliases and users that may reach an ssh command line: no leading "-", no spaces.
const hostPattern = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_][A-Za-z0-9._-]*)$/;
const userPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const hexPattern = /^(?:[0-9A-Fa-f]{2})+$/;

/**
 * The node named by a workspace folder's URI: `authority` is the URI's authority (empty for a
 * `file:` folder) and `folderPath` its path. `scheme` guards against other providers' URIs
 * whose authority means something else (a virtual file system, a web host).
 */
export function windowNodeFromUri(uri: { scheme: string; authority: string; path: string }): WindowLocation {
  if (uri.scheme === "file") return { kind: "none", reason: "local", message: "This window's folder is on this computer." };
  if (uri.scheme !== "vscode-remote") {
    return { kind: "none", reason: "unsupported", message: `This window's folder is served by a "${uri.scheme}" file system, which does not name an SSH host.` };
  }
  return windowNodeFromAuthority(uri.authority, uri.path);
}

/** The node named by a `vscode-remote` authority; `folderPath` is the folder's path in that window. */
export function windowNodeFromAuthority(authority: string, folderPath: string): WindowLocation {
  const plus = authority.indexOf("+");
  if (plus < 0) {
    // code-server and other web hosts use `host:port` as the authority: their machine is the
    // web server's, not an SSH host Remo may push to.
    return { kind: "none", reason: "unsupported", message: `This window is served by "${authority}", which is not a Remote-SSH or Dev Containers window. Add the node by its SSH host.` };
  }
  const name = authority.slice(0, plus).toLowerCase();
  const rest = authority.slice(plus + 1);
  switch (name) {
    case "ssh-remote": {
      const host = parseSshRemoteHost(rest);
      if ("error" in host) return invalid(host.error);
      return { kind: "node", via: "ssh-remote", host, ...(folderPath === "" ? {} : { projectPath: folderPath }) };
    }
    case "dev-container":
    case "attached-container":
      return containerWindow(name, rest);
    default:
      return { kind: "none", reason: "unsupported", message: `This is a "${name}" window; Remo finds nodes only in Remote-SSH and Dev Containers windows. Add the node by its SSH host.` };
  }
}

/** Parses the part after `ssh-remote+`: a hex JSON object, `user@host`, or an alias. */
export function parseSshRemoteHost(text: string): SshHostRef | { error: string } {
  if (text === "") return { error: "The Remote-SSH authority names no host." };
  if (hexPattern.test(text) && text.toLowerCase().startsWith("7b")) {
    const json = decodeHexJson(text);
    if (json === undefined) return { error: "The Remote-SSH authority's host could not be decoded." };
    const hostName = json.hostName;
    if (typeof hostName !== "string") return { error: "The Remote-SSH authority's host has no hostName." };
    const user = typeof json.user === "string" && json.user !== "" ? json.user : undefined;
    const port = typeof json.port === "number" ? json.port : typeof json.port === "string" && /^\d+$/.test(json.port) ? Number(json.port) : undefined;
    return checkedHost(hostName, user, port);
  }
  const at = text.lastIndexOf("@");
  return at < 0 ? checkedHost(text, undefined, undefined) : checkedHost(text.slice(at + 1), text.slice(0, at), undefined);
}

function checkedHost(hostText: string, user: string | undefined, port: number | undefined): SshHostRef | { error: string } {
  // Remote-SSH accepts `host:port` typed into Connect to Host.
  let alias = hostText;
  let p = port;
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(hostText);
  if (m?.[1] !== undefined && m[2] !== undefined && p === undefined) {
    alias = m[1];
    p = Number(m[2]);
  }
  if (alias.startsWith("[") && alias.endsWith("]")) alias = alias.slice(1, -1);
  if (!hostPattern.test(alias) && !/^[0-9A-Fa-f:.]+$/.test(alias)) return { error: `The window's SSH host "${shorten(hostText)}" is not a host name Remo can use; add the node by hand.` };
  if (user !== undefined && !userPattern.test(user)) return { error: `The window's SSH user "${shorten(user)}" is not a user name Remo can use; add the node by hand.` };
  if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > 65535)) return { error: `The window's SSH port ${String(p)} is out of range (1-65535).` };
  return { alias, ...(user === undefined ? {} : { user }), ...(p === undefined ? {} : { port: p }) };
}

function containerWindow(name: "dev-container" | "attached-container", rest: string): WindowLocation {
  // The container part is hex, which has no "@": the first "@" starts the outer authority
  // (whose own user part may contain another "@").
  const at = rest.indexOf("@");
  const payload = at < 0 ? rest : rest.slice(0, at);
  const outer = at < 0 ? undefined : rest.slice(at + 1);
  if (!hexPattern.test(payload)) {
    // A hand-typed attached-container+<name> is accepted by Dev Containers too.
    if (name === "attached-container" && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(payload)) return containerOn(name, {}, payload, outer);
    return invalid(`The ${name} authority could not be decoded.`);
  }
  const decoded = decodeHex(payload);
  if (decoded === undefined) return invalid(`The ${name} authority could not be decoded.`);
  let info: Record<string, unknown>;
  if (decoded.startsWith("{")) {
    const json = parseJsonObject(decoded);
    if (json === undefined) return invalid(`The ${name} authority could not be decoded.`);
    info = json;
  } else {
    // Older Dev Containers releases hex-encode the host path alone.
    info = name === "dev-container" ? { hostPath: decoded } : { containerName: decoded };
  }
  const containerName = typeof info.containerName === "string" ? info.containerName.replace(/^\//, "") : undefined;
  return containerOn(name, info, containerName, outer);
}

function containerOn(name: "dev-container" | "attached-container", info: Record<string, unknown>, containerName: string | undefined, outer: string | undefined): WindowLocation {
  const hostPath = typeof info.hostPath === "string" && info.hostPath !== "" ? info.hostPath : undefined;
  const settings = typeof info.settings === "object" && info.settings !== null ? info.settings as Record<string, unknown> : {};
  const extra = { ...(containerName === undefined ? {} : { containerName }) };
  // Containers on a remote Docker engine reached over SSH: that machine is the node.
  const dockerHost = typeof settings.host === "string" ? settings.host : undefined;
  if (dockerHost?.startsWith("ssh://") === true) {
    const host = parseDockerSshHost(dockerHost);
    if ("error" in host) return invalid(host.error);
    return { kind: "node", via: name, host, ...posixPath(hostPath), ...extra };
  }
  if (outer !== undefined) {
    const around = windowNodeFromAuthority(outer, "");
    if (around.kind === "node") return { kind: "node", via: name, host: around.host, ...posixPath(hostPath), ...extra };
    if (around.reason === "invalid") return around;
    return { kind: "none", reason: "unsupported", message: `These containers run in a window that names no SSH host: ${around.message}`, ...posixPath(hostPath) };
  }
  const context = typeof settings.context === "string" ? settings.context : undefined;
  if (context !== undefined && context !== "default" && !/^desktop-(linux|windows)$/.test(context) && !/^(colima|orbstack|rancher-desktop)/.test(context)) {
    return { kind: "none", reason: "unsupported", message: `These containers run on Docker context "${context}", which Remo cannot map to an SSH host. Add the node by its SSH host (see docker context inspect ${context}).`, ...posixPath(hostPath) };
  }
  return { kind: "none", reason: "laptop-containers", message: "These containers run on this computer, not on a node. Reopen the folder through Remote-SSH first, or add the node by its SSH host.", ...posixPath(hostPath) };
}

/** `ssh://[user@]host[:port]` as Docker's DOCKER_HOST / docker.host writes it. */
function parseDockerSshHost(url: string): SshHostRef | { error: string } {
  const m = /^ssh:\/\/(?:([^@/]+)@)?([^/:]+|\[[^\]]+\])(?::(\d{1,5}))?\/?$/.exec(url);
  if (m?.[2] === undefined) return { error: `The Docker host "${shorten(url)}" is not an ssh:// address Remo can use; add the node by hand.` };
  return checkedHost(m[2], m[1], m[3] === undefined ? undefined : Number(m[3]));
}

function posixPath(p: string | undefined): { projectPath?: string } {
  // A Windows host path (C:\…, \\wsl.localhost\…) is on the laptop, not on a Linux node.
  return p?.startsWith("/") === true ? { projectPath: p } : {};
}

function invalid(message: string): NoWindowNode {
  return { kind: "none", reason: "invalid", message };
}

function decodeHex(hex: string): string | undefined {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeHexJson(hex: string): Record<string, unknown> | undefined {
  const text = decodeHex(hex);
  return text === undefined ? undefined : parseJsonObject(text);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

/** Hex of a JSON value, as Remote-SSH and Dev Containers encode authorities (for tests and fakes). */
export function hexJson(value: unknown): string {
  return [...new TextEncoder().encode(JSON.stringify(value))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
