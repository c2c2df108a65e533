import type { ClientError } from "./client-error.ts";

/** Bounds on retrying. A budget in time, not only a count, so a script never hangs long. */
export interface RetryPolicy {
  /** Total time we may spend waiting, across all attempts. 0 disables retries. */
  budgetMs: number;
  /** First backoff for a restarting broker; doubles per attempt. */
  baseDelayMs: number;
  /** Cap on one backoff step. */
  maxDelayMs: number;
}

/** The default: enough to ride out a broker restart under systemd (~1 s), short enough for a prompt. */
export const defaultRetryPolicy: RetryPolicy = { budgetMs: 8000, baseDelayMs: 50, maxDelayMs: 1000 };

/** Errors that a later attempt may not see: a restarting broker, or a rate limit. */
export function isRetryable(error: ClientError): boolean {
  return error.code === "unreachable" || error.code === "connection_lost" || error.code === "rate_limited";
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 0), or null to
 * give up. Rate limits wait exactly what the broker asked; a wait that would not fit
 * in the remaining budget gives up at once rather than sleep and fail anyway.
 */
export function nextDelayMs(policy: RetryPolicy, error: ClientError, attempt: number, elapsedMs: number): number | null {
  if (!isRetryable(error)) return null;
  const remaining = policy.budgetMs - elapsedMs;
  const delay = error.code === "rate_limited"
    ? Math.max(0, (error.retryAfterSeconds ?? 1) * 1000)
    : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return delay <= remaining ? delay : null;
}

/** Reads the retry budget from REMO_SECRETS_RETRY_SECONDS (0 turns retries off). */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  const raw = env.REMO_SECRETS_RETRY_SECONDS;
  const seconds = raw === undefined || raw === "" ? Number.NaN : Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? { ...defaultRetryPolicy, budgetMs: seconds * 1000 } : defaultRetryPolicy;
}
