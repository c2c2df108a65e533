// Presets for the secret managers people already use: a user picks "1password" and pastes a
// reference; this module turns it into an argv list. Pure (no I/O), so every expansion is
// unit-tested. The argv is run without a shell, so quoting is never the risk here; the risk
// is a reference that a CLI would read as an option (`--help`, `-field=…`) or that smuggles
// a second line into a config. Each reference is therefore checked against its tool's shape
// and never starts with "-".

/** The preset identifiers accepted in `remo.secretSources.<NAME>.preset`. */
export const presetIds = ["1password", "gh", "pass", "fnox", "doppler", "vault", "sops", "env"] as const;

/** One preset identifier. */
export type PresetId = (typeof presetIds)[number];

/** What a preset needs to know to run and to explain itself. */
export interface PresetInfo {
  /** The product, as the user knows it ("1Password"). */
  label: string;
  /** The program run (looked up on PATH). */
  program: string;
  /** What the reference looks like, shown when it is wrong. */
  referenceHelp: string;
  /** How to get the program, for a "not found" error. */
  install: string;
  /** Whether the value is the first line of the output only (pass keeps metadata below it). */
  firstLine?: boolean;
}

/** Preset metadata; the configuration schema in package.json repeats the labels for completion. */
export const presets: Readonly<Record<PresetId, PresetInfo>> = {
  "1password": { label: "1Password", program: "op", referenceHelp: "a secret reference such as op://Private/GitHub/token (1Password: right-click a field, Copy Secret Reference)", install: "install the 1Password CLI (https://developer.1password.com/docs/cli/get-started/) and sign in with `op signin`" },
  "gh": { label: "GitHub CLI", program: "gh", referenceHelp: "empty for github.com, or a GitHub Enterprise host name such as github.example.com", install: "install the GitHub CLI (https://cli.github.com/) and run `gh auth login`" },
  "pass": { label: "pass", program: "pass", referenceHelp: "a password-store entry such as work/github-token", install: "install pass (https://www.passwordstore.org/)", firstLine: true },
  "fnox": { label: "fnox", program: "fnox", referenceHelp: "a fnox secret name such as GITHUB_TOKEN", install: "install fnox (https://github.com/jdx/fnox)" },
  "doppler": { label: "Doppler", program: "doppler", referenceHelp: "a Doppler secret name (NAME), or project/config/NAME", install: "install the Doppler CLI (https://docs.doppler.com/docs/cli) and run `doppler login`" },
  "vault": { label: "HashiCorp Vault", program: "vault", referenceHelp: "a KV path and field such as secret/myapp#token", install: "install the Vault CLI (https://developer.hashicorp.com/vault/install) and set VAULT_ADDR / log in" },
  "sops": { label: "SOPS", program: "sops", referenceHelp: "an absolute path to a sops-encrypted file and a key path, such as /home/me/secrets.enc.yaml#github.token", install: "install sops (https://github.com/getsops/sops)" },
  "env": { label: "environment variable", program: "", referenceHelp: "the name of an environment variable VS Code was started with, such as GITHUB_TOKEN", install: "" },
};

/** A preset expanded: either a variable to read or a program to run. */
export type PresetExpansion =
  | { kind: "env"; variable: string }
  | { kind: "command"; argv: [string, ...string[]]; firstLine: boolean };

/** True when `id` names a preset. */
export function isPresetId(id: unknown): id is PresetId {
  return typeof id === "string" && (presetIds as readonly string[]).includes(id);
}

/**
 * Turns a preset and its reference into what to run. Returns a sentence saying what is wrong
 * with the reference instead (never echoing more than its first characters).
 */
export function expandPreset(preset: PresetId, reference: string): PresetExpansion | { problem: string } {
  const ref = reference.trim();
  const info = presets[preset];
  const bad = (why: string): { problem: string } => ({ problem: `the ${info.label} reference ${shown(ref)} ${why}; give ${info.referenceHelp}` });
  // Control characters (newlines above all) never belong in a reference.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(ref)) return bad("contains a control character");
  if (ref.startsWith("-")) return bad("starts with \"-\", so the CLI would read it as an option");
  if (ref.length > 1024) return bad("is longer than 1024 characters");
  switch (preset) {
    case "1password":
      // Item and field names may hold spaces; argv carries them intact.
      if (!/^op:\/\/[^/]+\/[^/]+(\/[^/]+){1,2}$/.test(ref)) return bad("is not op://vault/item/field (or op://vault/item/section/field)");
      return command(["op", "read", "--no-newline", ref], false);
    case "gh":
      if (ref === "") return command(["gh", "auth", "token"], false);
      if (!hostPattern.test(ref)) return bad("is not a host name");
      return command(["gh", "auth", "token", "--hostname", ref], false);
    case "pass":
      if (!/^[^\s/][^\s]*$/.test(ref) || ref.split("/").some((p) => p === "" || p === "." || p === "..")) return bad("is not a relative entry path without spaces, \".\" or \"..\"");
      return command(["pass", "show", ref], true);
    case "fnox":
      if (!envNamePattern.test(ref)) return bad("is not a secret name (letters, digits and _)");
      return command(["fnox", "get", ref], false);
    case "doppler": {
      const parts = ref.split("/");
      if (parts.length !== 1 && parts.length !== 3) return bad("is not NAME or project/config/NAME");
      const [name] = parts.slice(-1);
      if (name === undefined || !envNamePattern.test(name)) return bad("does not end in a secret name (letters, digits and _)");
      if (parts.length === 1) return command(["doppler", "secrets", "get", name, "--plain"], false);
      const [project = "", config = ""] = parts;
      if (!slugPattern.test(project) || !slugPattern.test(config)) return bad("has a project or config that is not letters, digits, _ and -");
      return command(["doppler", "secrets", "get", name, "--plain", "--project", project, "--config", config], false);
    }
    case "vault": {
      const m = /^([A-Za-z0-9_.\-/]+)#([A-Za-z0-9_.-]+)$/.exec(ref);
      if (m?.[1] === undefined || m[2] === undefined || m[1].startsWith("/") || m[1].split("/").includes("..")) return bad("is not path#field (a KV path of letters, digits, _ . - /, then # and the field)");
      return command(["vault", "kv", "get", `-field=${m[2]}`, m[1]], false);
    }
    case "sops": {
      const hash = ref.lastIndexOf("#");
      const file = hash < 0 ? "" : ref.slice(0, hash);
      const keys = hash < 0 ? [] : ref.slice(hash + 1).split(".");
      if (!file.startsWith("/")) return bad("is not an absolute file path followed by #key");
      if (keys.length === 0 || keys.some((k) => !/^[A-Za-z0-9_-]+$/.test(k))) return bad("has a key path that is not dot-separated letters, digits, _ and -");
      // Keys are restricted above, so they can sit inside sops's ["…"] syntax without escaping.
      return command(["sops", "--decrypt", "--extract", keys.map((k) => `["${k}"]`).join(""), file], false);
    }
    case "env":
      if (!envNamePattern.test(ref)) return bad("is not an environment variable name (letters, digits and _, not starting with a digit)");
      return { kind: "env", variable: ref };
  }
}

/** A one-line description of where a value comes from, for prompts and errors (never a value). */
export function describePreset(preset: PresetId, reference: string): string {
  const ref = reference.trim();
  return ref === "" ? presets[preset].label : `${presets[preset].label} (${ref})`;
}

const hostPattern = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}(?::\d{1,5})?$/;
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const slugPattern = /^[A-Za-z0-9_-]{1,128}$/;

function command(argv: [string, ...string[]], firstLine: boolean): PresetExpansion {
  return { kind: "command", argv, firstLine };
}

/** The reference as shown in an error: quoted, at most 60 characters. */
function shown(ref: string): string {
  return JSON.stringify(ref.length > 60 ? `${ref.slice(0, 57)}...` : ref);
}
