// Errors the commands raise themselves (as opposed to NodeError from node/ and
// RemoError from the protocol). Each says what to do; `notify` maps all three once.
import { CodedError } from "#protocol";

/** Local error codes of the command layer. */
export type CommandErrorCode =
  | "untrusted" | "no_workspace" | "no_manifest" | "manifest_invalid" | "no_node"
  | "missing_values" | "bad_input" | "not_available" | "conflicts";

/** A user-facing failure of a command, with a stable code the notifier branches on. */
export class CommandError extends CodedError<CommandErrorCode> {
  constructor(code: CommandErrorCode, message: string, readonly detail?: { node?: string; folder?: string; names?: string[] }) {
    super("CommandError", code, message);
  }
}

/** Thrown when the user dismissed a prompt: the command stops quietly. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "Cancelled";
  }
}
