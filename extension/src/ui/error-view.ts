// What a failure shows, decided once for every error type: NodeError (node/), RemoError
// (#protocol), CommandError (commands) and SecretSourceError. Pure, so it is unit-tested.
import { isRemoError, SET_SECRET_COMMAND } from "#protocol";
import { isNodeError, type NodeError } from "../node/errors.ts";
import { SecretSourceError } from "../secrets/secret-sources.ts";
import { Cancelled, CommandError } from "./command-error.ts";

/** A button on an error notification and the command it runs. */
export interface Action { title: string; command: string; args?: unknown[] }

/** What a failure should show: the message, modal or not, and the actions offered. */
export interface ErrorView { message: string; modal: boolean; actions: Action[]; detail?: string }

/** Maps any error to what the user sees (pure apart from the vscode types). `node` names the node involved. */
export function viewError(e: unknown, node?: string): ErrorView | undefined {
  if (e instanceof Cancelled) return undefined;
  const showLog: Action = { title: "Show Log", command: "remo.showLog" };
  if (isNodeError(e)) return viewNodeError(e, node, showLog);
  if (e instanceof CommandError) {
    switch (e.code) {
      case "untrusted": return { message: e.message, modal: false, actions: [{ title: "Manage Workspace Trust", command: "workbench.trust.manage" }] };
      case "no_manifest": return { message: e.message, modal: false, actions: [{ title: "Create Manifest", command: "remo.createManifest" }] };
      case "manifest_invalid": return { message: e.message, modal: false, actions: [{ title: "Show Problems", command: "workbench.actions.view.problems" }] };
      case "no_node": return { message: e.message, modal: false, actions: [{ title: "Add Node…", command: "remo.addNode" }, { title: "Select Node…", command: "remo.selectNode" }] };
      case "missing_values": return { message: e.message, modal: false, actions: (e.detail?.names ?? []).slice(0, 2).map((n) => ({ title: `Set ${n}…`, command: SET_SECRET_COMMAND, args: [n] })) };
      case "not_available": return { message: e.message, modal: false, actions: [showLog] };
      case "conflicts": return { message: e.message, modal: true, actions: [] };
      case "no_workspace":
      case "bad_input":
        return { message: e.message, modal: false, actions: [] };
    }
  }
  if (e instanceof SecretSourceError) {
    return { message: e.message, modal: false, actions: [{ title: "Open User Settings", command: "workbench.action.openSettings", args: ["remo.secretSources"] }] };
  }
  if (isRemoError(e)) return { message: e.message, modal: false, actions: [showLog] };
  const text = e instanceof Error ? e.message : String(e);
  return { message: `Remo: ${text}`, modal: false, actions: [showLog] };
}

function viewNodeError(e: NodeError, node: string | undefined, showLog: Action): ErrorView {
  const repin: Action = { title: "Re-pin…", command: "remo.repinNode", ...(node === undefined ? {} : { args: [node] }) };
  switch (e.code) {
    case "host_key_changed":
      // node/ words the detail (old and new fingerprint, how to verify); the headline is ours.
      return { message: `The SSH host key of ${node ?? "the node"} changed. Nothing was sent.`, modal: true, actions: [repin], detail: e.message };
    case "recipient_changed":
      return { message: `The broker's age recipient on ${node ?? "the node"} changed. Nothing was sent.`, modal: true, actions: [repin], detail: e.message };
    case "not_pinned":
      return { message: e.message, modal: false, actions: [repin, { title: "Add Node…", command: "remo.addNode" }] };
    case "broker_missing":
      return { message: e.message, modal: false, actions: [{ title: "Install Broker on Node…", command: "remo.installBrokerOnNode", ...(node === undefined ? {} : { args: [node] }) }, showLog] };
    case "ssh_auth_failed":
      return { message: e.message, modal: false, actions: [{ title: "Edit Node…", command: "remo.addNode" }, showLog] };
    case "ssh_unreachable":
    case "sudo_required":
    case "broker_error":
    case "timeout":
    case "project_conflict":
      return { message: e.message, modal: false, actions: [showLog] };
  }
}
