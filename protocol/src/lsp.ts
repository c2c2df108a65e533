// Custom LSP methods between the extension and the manifest language server, declared
// once (taplo's lsp_ext style). Subpath #protocol/lsp so the broker and client never bundle jsonrpc.
import { NotificationType, RequestType } from "vscode-languageserver-protocol";

/** What the laptop knows about one secret name. Never a value. */
export interface SecretState {
  name: string;
  /** A value is stored in SecretStorage or a configured source resolves it. */
  hasValue: boolean;
  /** When a container last fetched it (audit `secret.get` ok), RFC 3339, if the node's audit is at hand. */
  lastFetchedAt?: string;
}

/** Params of {@link secretStateNotification}. */
export interface SecretStateParams {
  /** Every secret name the laptop knows (for completion), with whether a value is set. */
  secrets: SecretState[];
}

/**
 * Client → server: the secret names the laptop holds and whether each has a value.
 * The server offers these names in completion, warns on allowlisted names without a
 * value (code `secret-value-missing`, quick fix runs command `remo.setSecret`), and
 * shows a CodeLens per allowlisted name. Sent on start and whenever the store changes.
 */
export const secretStateNotification = new NotificationType<SecretStateParams>("remo/secretState");

/** Params of {@link workspaceSecretNamesRequest}. */
export interface WorkspaceSecretNamesParams {
  /** The manifest asking (its folder is excluded from nothing; the server dedupes). */
  uri: string;
}

/** A secret name the workspace suggests, with where it was found. */
export interface WorkspaceSecretName {
  name: string;
  /** `manifest`: another manifest's allowlist; `devcontainer`: the `secrets` block of the asking project's devcontainer.json. */
  source: "manifest" | "devcontainer";
  /** The block's `description` for the name, if any. */
  description?: string;
  /** The block's `documentationUrl` for the name, if any. */
  documentationUrl?: string;
}

/**
 * Server → client: secret names the workspace suggests for completion: other manifests'
 * allowlists and the project's devcontainer.json `secrets` block. A plain string is a
 * manifest name (what clients answered before the block was read).
 */
export const workspaceSecretNamesRequest = new RequestType<WorkspaceSecretNamesParams, (string | WorkspaceSecretName)[], void>("remo/workspaceSecretNames");

export { SET_SECRET_COMMAND } from "./editor.ts";

/** The diagnostic code for an allowlisted name with no value on the laptop. */
export const SECRET_VALUE_MISSING = "secret-value-missing";

/** What the extension may pass as `initializationOptions` when it starts the manifest server. */
export interface ManifestServerOptions {
  /** Debounce before pushed diagnostics after a change, in ms; 0 validates on every change. Default 150. */
  diagnosticDelayMs?: number;
  /** How long completion waits for {@link workspaceSecretNamesRequest} before going on without it, in ms. Default 500. */
  workspaceNamesTimeoutMs?: number;
}

/** `data` of a {@link SECRET_VALUE_MISSING} diagnostic: the allowlisted name with no value. */
export interface SecretValueMissingData {
  name: string;
}
