// A node as the user configured it, and what was pinned on first contact (host key, jump host key, broker recipient).

/** An SSH target running the broker, plus where the project lives on it. */
export interface NodeTarget {
  name: string;
  host: string;
  port?: number;
  user?: string;
  identityFile?: string;
  /** Every IdentityFile from ~/.ssh/config, tried in order after `identityFile` (as OpenSSH does). */
  identityFiles?: string[];
  proxyJump?: string;
  projectPath: string;
  /** Default: `sudo -n` when the user is not root. */
  sudo?: boolean;
  /** Default `remo-broker`. */
  brokerCommand?: string;
}

/** What the user confirmed on first use; a later mismatch refuses every push. */
export interface NodePins {
  /** `SHA256:…` exactly as `ssh-keygen -lf` prints it. */
  hostKeySha256?: string;
  /** The ProxyJump hop's host key, pinned the same way when the node is reached through one. */
  jumpHostKeySha256?: string;
  recipient?: string;
  pinnedAt?: string;
}

/** The user name the SSH session logs in as. */
export function effectiveUser(target: NodeTarget, env: Record<string, string | undefined>): string {
  return target.user ?? env.USER ?? env.LOGNAME ?? "root";
}

/** Whether broker commands are wrapped in `sudo -n`. */
export function usesSudo(target: NodeTarget, env: Record<string, string | undefined>): boolean {
  return target.sudo ?? effectiveUser(target, env) !== "root";
}

/** `user@host:port` for messages. */
export function describeTarget(target: NodeTarget): string {
  return `${target.user === undefined ? "" : `${target.user}@`}${target.host}${target.port === undefined || target.port === 22 ? "" : `:${target.port}`}`;
}
