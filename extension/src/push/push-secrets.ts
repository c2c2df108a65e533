// Push Secrets end to end: allowlisted values → bundle → age to the pinned recipient → push-creds → register/reload.
import { encodeBundle } from "#protocol";
import type { NodePins, NodeTarget } from "../nodes/node-target.ts";
import { buildBundle } from "./bundle-builder.ts";
import { encryptBundle } from "./encrypt.ts";
import { NodeError } from "./errors.ts";
import { NodeClient, type NodeClientDeps } from "./node-client.ts";

/** What {@link pushSecrets} did. */
export interface PushResult {
  secretCount: number;
  loadedAt: string;
  /** Allowlisted names with no value on the laptop (not sent). */
  missing: string[];
  registered: boolean;
  /** Why register/reload failed after a successful push (the push itself stands). */
  registerError?: string;
}

/**
 * Pushes a project's allowlisted secrets to a pinned node. The recipient the broker
 * reports is compared with the pinned one before anything is encrypted or sent.
 * @throws NodeError not_pinned, host_key_changed, recipient_changed, and the connection and broker errors
 */
export async function pushSecrets(opts: {
  target: NodeTarget;
  pins: NodePins;
  project: { name: string; allowlist: readonly string[] };
  lookup: (name: string) => Promise<string | undefined>;
  register?: boolean;
}, deps: NodeClientDeps): Promise<PushResult> {
  const { target, pins } = opts;
  if (pins.hostKeySha256 === undefined || pins.recipient === undefined) {
    throw new NodeError("not_pinned", `${target.name} is not pinned yet. Run "Remo: Add Node" (or "Remo: Re-pin Node") to check its host key and broker key first.`);
  }
  const { secrets, missing } = await buildBundle(opts.project.allowlist, opts.lookup);
  const recipient = pins.recipient;
  const client = await NodeClient.connect(target, pins, deps);
  try {
    // Encrypted to the pinned recipient only once the broker's key matched the pin; nothing is sent otherwise.
    // Registering starts alongside the push once the key is verified: it does not depend on the bundle.
    let registering: Promise<{ created: boolean }> | undefined;
    const onVerified = (): void => {
      if (opts.register !== false) registering = client.ensureRegistered(opts.project.name, target.projectPath);
    };
    let pushed: { secretCount: number; loadedAt: string };
    try {
      pushed = await client.pushBundle(() => encryptBundle(encodeBundle(secrets), recipient), opts.project.name, { expectRecipient: recipient, onVerified });
    } catch (e) {
      await registering?.catch(() => undefined);
      throw e;
    }
    deps.log?.(`pushed ${pushed.secretCount} secret(s) for ${opts.project.name} to ${target.name}`);
    if (registering === undefined) return { ...pushed, missing, registered: false };
    try {
      await registering;
      return { ...pushed, missing, registered: true };
    } catch (e) {
      if (!(e instanceof NodeError)) throw e;
      return { ...pushed, missing, registered: false, registerError: e.message };
    }
  } finally {
    client.close();
  }
}
