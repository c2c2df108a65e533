import type { ChildProcess, SpawnOptions } from "node:child_process";

/** Two namespaces joined by a user-space delay line; see netlab.mjs. */
export interface NetnsLink {
  /** Namespace of the "laptop" side, e.g. remo-1234-0-a. */
  nsA: string;
  /** Namespace of the "node" side, e.g. remo-1234-0-b. */
  nsB: string;
  /** Address of nsA's end of the link (exists only inside nsA). */
  addrA: string;
  /** Address of nsB's end of the link (exists only inside nsB). */
  addrB: string;
  /** One-way delay in ms (round trip is twice this). */
  delayMs: number;
  /** PID of the python3 delay line. */
  delayPid: number;
  /** Spawns `cmd args` inside `ns` via `ip netns exec`. */
  exec(ns: string, cmd: string, args?: string[], opts?: SpawnOptions): ChildProcess;
  /** Median TCP echo round trip from nsA to nsB in ms. */
  measureRttMs(): Promise<number>;
  /** Stops the delay line, kills processes in both namespaces and deletes them. */
  close(): Promise<void>;
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailableReason(): string | undefined;
/** Deletes namespaces left by a dead process; returns their names. */
export function sweepStaleLinks(): string[];
/** Creates the namespace pair and the delay line (`delayMs` each way, default 25). */
export function createLink(opts?: { delayMs?: number; readyTimeoutMs?: number }): Promise<NetnsLink>;
/** Namespaces created by this process and not yet torn down. */
export function liveNamespaces(): string[];
/** Whether namespace `ns` exists. */
export function namespaceExists(ns: string): boolean;
