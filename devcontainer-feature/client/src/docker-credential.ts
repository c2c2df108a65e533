import { callBroker, requireAll, type CallOptions } from "./broker-calls.ts";
import { isClientError } from "./client-error.ts";
import { clientError, exitStatusFor } from "./exit-codes.ts";
import { writeJson, writeOut, type Io } from "./io.ts";
import { decodeValue } from "./secrets.ts";

/** The username sent with a bare token (no `user:` prefix); registries that check it need `user:token`. */
export const defaultDockerUsername = "x-access-token";

/** What docker's credential-helper client recognises as "no credentials here, go anonymous". */
export const notFoundMessage = "credentials not found in native keychain";

/** Docker Hub's names; docker itself keys Hub credentials by this URL. */
const hubAliases = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const hubServerUrl = "https://index.docker.io/v1/";

/**
 * The registry host (with port) a docker server URL names, lower-cased; Docker Hub's aliases
 * become `docker.io`. Null when it is not a host name.
 */
export function registryHost(serverUrl: string): string | null {
  const host = serverUrl.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/")[0]?.toLowerCase() ?? "";
  if (!/^[a-z0-9](?:[a-z0-9.-]{0,252})(?::\d{1,5})?$/.test(host)) return null;
  return hubAliases.has(host) ? "docker.io" : host;
}

/** The secret that holds a registry's credential: DOCKER_AUTH_ + the host upper-cased, each non-alphanumeric as `_`. */
export function dockerSecretName(host: string): string {
  return `DOCKER_AUTH_${host.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The key docker's config.json uses in credHelpers for a registry host. */
export function credHelperKey(host: string): string {
  return host === "docker.io" ? hubServerUrl : host;
}

/** Splits a secret into username and secret: `user:token`, or a bare token with the default username. */
export function splitDockerCredential(value: string): { username: string; secret: string } {
  const colon = value.indexOf(":");
  // A colon at 0 means no username was meant; keep the whole value as the token.
  if (colon <= 0) return { username: defaultDockerUsername, secret: value };
  return { username: value.slice(0, colon), secret: value.slice(colon + 1) };
}

/** Builds `{"credHelpers": {...}}` for config.json; each registry is checked and normalised. */
export function loginConfig(registries: readonly string[]): { credHelpers: Record<string, string> } {
  const credHelpers: Record<string, string> = {};
  for (const r of registries) {
    const host = registryHost(r);
    if (host === null) throw clientError("usage", { detail: `"${r.slice(0, 80)}" is not a registry host such as ghcr.io or registry.example.com:5000` });
    credHelpers[credHelperKey(host)] = "remo";
  }
  return { credHelpers };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `docker-credential get|list|store|erase`: the docker-credential-helpers protocol, run as
 * `docker-credential-remo`. docker shows only stdout of a failing helper, so every failure is
 * written there as one line (never a value); a name the broker refuses or has no value for is
 * docker's "not found", so a pull falls back to anonymous, with the reason on stderr.
 */
export async function runDockerCredential(call: CallOptions, io: Io, action: string | undefined): Promise<number> {
  const input = await readAll(io.stdin);
  if (action === "store" || action === "erase") {
    await writeOut(io.stdout, `remo-secrets does not ${action} docker credentials: the Remo broker holds them. Set DOCKER_AUTH_<REGISTRY> in VS Code on your laptop and push, instead of docker login/logout.\n`);
    return 1;
  }
  try {
    if (action === "list") return await list(call, io);
    if (action !== "get") throw clientError("usage", { detail: `docker-credential takes get, list, store or erase, not "${action ?? ""}"` });
    const serverUrl = input.trim();
    const host = registryHost(serverUrl);
    if (host === null) throw clientError("usage", { detail: `"${serverUrl.slice(0, 80)}" is not a registry server URL` });
    const name = dockerSecretName(host);
    const [reply] = requireAll((await callBroker(call, [{ op: "get", name }])).outcomes);
    const value = decodeValue(name, reply ?? {});
    if (value.text === undefined || /[\n\0]/.test(value.text)) throw clientError("unusable_value", { name, detail: "contains a newline, NUL or non-UTF-8 bytes, so docker cannot use it" });
    const { username, secret } = splitDockerCredential(value.text);
    await writeJson(io.stdout, { ServerURL: serverUrl, Username: username, Secret: secret });
    return 0;
  } catch (e) {
    if (!isClientError(e)) throw e;
    if (e.code === "denied" || e.code === "not_found") {
      await writeOut(io.stdout, `${notFoundMessage}\n`);
      await writeOut(io.stderr, `remo-secrets: ${e.message}\n`);
      return 1;
    }
    await writeOut(io.stdout, `remo-secrets: ${e.message}\n`);
    return exitStatusFor(e.code);
  }
}

/** `list`: the registries config.json sends to this helper, each with its username when a value is there. */
async function list(call: CallOptions, io: Io): Promise<number> {
  const hosts = await configuredRegistries(io.env);
  const names = hosts.map(dockerSecretName);
  const out: Record<string, string> = {};
  if (names.length > 0) {
    const { outcomes } = await callBroker(call, names.map((name) => ({ op: "get", name })));
    for (const [i, o] of outcomes.entries()) {
      const host = hosts[i];
      if (!o.ok || host === undefined) continue;
      const text = decodeValue(names[i] ?? "", o.reply).text;
      if (text !== undefined) out[credHelperKey(host)] = splitDockerCredential(text).username;
    }
  }
  await writeJson(io.stdout, out);
  return 0;
}

/** Hosts whose credHelpers entry is "remo" in $DOCKER_CONFIG/config.json (or ~/.docker/config.json). */
async function configuredRegistries(env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = env.DOCKER_CONFIG ?? (env.HOME === undefined ? undefined : `${env.HOME}/.docker`);
  if (dir === undefined) return [];
  const { readFile } = await import("node:fs/promises");
  let config: unknown;
  try {
    config = JSON.parse(await readFile(`${dir}/config.json`, "utf8"));
  } catch {
    return [];
  }
  const helpers = (config as { credHelpers?: unknown } | null)?.credHelpers;
  if (typeof helpers !== "object" || helpers === null) return [];
  return Object.entries(helpers).filter(([, v]) => v === "remo").map(([k]) => registryHost(k)).filter((h): h is string => h !== null);
}

/** `docker-login-config [--registries a,b]`: prints the credHelpers block (registries default to $REMO_DOCKER_REGISTRIES). */
export async function runDockerLoginConfig(io: Io, registries: readonly string[]): Promise<number> {
  const list = registries.length > 0 ? registries : (io.env.REMO_DOCKER_REGISTRIES ?? "").split(",").map((r) => r.trim()).filter((r) => r !== "");
  if (list.length === 0) throw clientError("usage", { detail: "docker-login-config needs --registries ghcr.io,registry.example.com (or REMO_DOCKER_REGISTRIES)" });
  await writeOut(io.stdout, JSON.stringify(loginConfig(list), null, 2) + "\n");
  return 0;
}
