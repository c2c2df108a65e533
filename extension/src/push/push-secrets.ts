// Push Secrets end to end: approved values → bundle → age to the pinned recipient → register/reload
// with the approved list → push-creds.
import { encodeBundle } from "#protocol";
import type { NodePins, NodeTarget } from "../node/node-target.ts";
import { buildBundle } from "./bundle-builder.ts";
import { encryptBundle } from "./encrypt.ts";
import { NodeError } from "../node/errors.ts";
import type { NodeClientDeps } from "../node/index.ts";

/** What {@link pushSecrets} did. */
export interface PushResult {
  secretCount: number;
  loadedAt: string;
  /** Approved names with no value on the laptop (not sent). */
  missing: string[];
  /** True when register/reload ran (and succeeded: a failure stops the push). */
  registered: boolean;
  /** True when this push registered the project for the first time. */
  created?: boolean;
  /** What the project serves after the push, as the broker reports it. */
  served?: string[];
}

/**
 * Pushes a project's approved secrets to a pinned node. The recipient the broker reports is
 * compared with the pinned one before anything is encrypted or sent, and the project is
 * registered (or reloaded) with the approved names before the bundle is: a project name the
 * node has bound to another project refuses the push with nothing sent.
 * `project.allowlist` is the approved list: only those names are looked up and sent.
 * @throws NodeError not_pinned, host_key_changed, recipient_changed, project_conflict, and the connection and broker errors
 */
export async function pushSecrets(opts: {
  target: NodeTarget;
  pins: NodePins;
  project: { name: string; allowlist: readonly string[] };
  lookup: (name: string) => Promise<string | undefined>;
  register?: boolean;
  /** The project path this laptop registered the project with on this node before. */
  registeredPath?: string;
}, deps: NodeClientDeps): Promise<PushResult> {
  const { target, pins } = opts;
  if (pins.hostKeySha256 === undefined || pins.recipient === undefined) {
    throw new NodeError("not_pinned", `${target.name} is not pinned yet. Run "Remo: Add Node" (or "Remo: Re-pin Node") to check its host key and broker key first.`);
  }
  const { secrets, missing } = await buildBundle(opts.project.allowlist, opts.lookup);
  const recipient = pins.recipient;
  // The SSH side is a bundle of its own; this push bundle loads it rather than carrying ssh2 twice.
  const { NodeClient } = await import("../node/index.ts");
  const client = await NodeClient.connect(target, pins, deps);
  try {
    let registration: { created: boolean; allowlist: string[] } | undefined;
    // Runs once the broker's key matched the pin, before the bundle's bytes are written: the
    // project must be this project, serving the approved names, before its values arrive.
    const onVerified = async (): Promise<void> => {
      if (opts.register === false) return;
      const known = opts.registeredPath === undefined ? {} : { registeredPath: opts.registeredPath };
      registration = await client.ensureRegistered(opts.project.name, target.projectPath, opts.project.allowlist, known);
    };
    const pushed = await client.pushBundle(() => encryptBundle(encodeBundle(secrets), recipient), opts.project.name, { expectRecipient: recipient, onVerified });
    deps.log?.(`pushed ${pushed.secretCount} secret(s) for ${opts.project.name} to ${target.name}`);
    if (registration === undefined) return { ...pushed, missing, registered: false };
    return { ...pushed, missing, registered: true, created: registration.created, served: registration.allowlist };
  } finally {
    client.close();
  }
}
