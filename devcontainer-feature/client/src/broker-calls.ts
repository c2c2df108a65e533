import { PROTOCOL_VERSION, type ErrorCode, type ProjectRequest } from "#protocol/wire";
import { isClientError, type ClientError } from "./client-error.ts";
import { clientError, fromWireError } from "./exit-codes.ts";
import { nextDelayMs, type RetryPolicy } from "./retry.ts";
import { BrokerConnection, type RawReply } from "./socket-client.ts";

/** Where and how to ask the broker. */
export interface CallOptions {
  socketPath: string;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Injected for tests; real sleeping otherwise. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The broker's `ping` answer, checked. */
export interface PingInfo {
  brokerVersion: string;
  protocolVersion: number;
  project: string;
}

/** One request's outcome: the reply object when ok, else a client error naming the secret. */
export type Outcome = { ok: true; reply: RawReply } | { ok: false; error: ClientError };

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Checks that a ping reply is Remo protocol v2; anything else is a protocol mismatch. */
export function checkPing(reply: RawReply, socketPath: string): PingInfo {
  if (reply.ok === false) throw wireError(reply, socketPath, undefined);
  const version = reply.protocol_version;
  if (reply.ok !== true || typeof version !== "number") {
    throw clientError("protocol_mismatch", { socketPath, detail: "something that is not the Remo protocol" });
  }
  if (version !== PROTOCOL_VERSION) {
    throw clientError("protocol_mismatch", { socketPath, detail: `protocol version ${version}` });
  }
  return {
    brokerVersion: typeof reply.broker_version === "string" ? reply.broker_version : "unknown",
    protocolVersion: version,
    project: typeof reply.project === "string" ? reply.project : "unknown",
  };
}

function wireError(reply: RawReply, socketPath: string, name: string | undefined): ClientError {
  const code = typeof reply.code === "string" ? reply.code as ErrorCode : "internal_error";
  const retry = typeof reply.retry_after_seconds === "number" ? reply.retry_after_seconds : undefined;
  const uid = process.getuid?.();
  return fromWireError(code, retry, { socketPath, ...(name === undefined ? {} : { name }), ...(uid === undefined ? {} : { uid }) });
}

function nameOf(request: ProjectRequest): string | undefined {
  return request.op === "get" ? request.name : undefined;
}

/**
 * Pings, then sends `requests` pipelined on the same connection (one round trip),
 * and returns each request's outcome. Every connection starts with a ping so a
 * broker speaking another protocol version is caught before any value is used.
 * A restarting broker (refused, vanished socket, dropped connection) and
 * `rate_limited` replies are retried within the policy's budget; only the requests
 * still unanswered are sent again.
 */
export async function callBroker(options: CallOptions, requests: readonly ProjectRequest[]): Promise<{ ping: PingInfo; outcomes: Outcome[] }> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const started = now();
  const outcomes: (Outcome | undefined)[] = requests.map(() => undefined);
  let ping: PingInfo | undefined;
  for (let attempt = 0; ; attempt++) {
    const pending = requests.map((r, i) => ({ r, i })).filter(({ i }) => outcomes[i] === undefined);
    let retryError: ClientError | undefined;
    try {
      const connection = await BrokerConnection.open(options);
      try {
        const replies = await connection.send([{ op: "ping" }, ...pending.map(({ r }) => r)]);
        ping = checkPing(replies[0] ?? {}, options.socketPath);
        for (const [k, { r, i }] of pending.entries()) {
          const reply = replies[k + 1] ?? {};
          if (reply.ok === true) outcomes[i] = { ok: true, reply };
          else {
            const error = wireError(reply, options.socketPath, nameOf(r));
            if (error.code === "rate_limited") retryError = pickLongerWait(retryError, error);
            else outcomes[i] = { ok: false, error };
          }
        }
      } finally {
        connection.close();
      }
    } catch (e) {
      if (!isClientError(e)) throw e;
      if (e.code === "rate_limited" || e.code === "unreachable" || e.code === "connection_lost") retryError = e;
      else throw e;
    }
    if (retryError === undefined && ping !== undefined) {
      return { ping, outcomes: outcomes.map((o) => o ?? { ok: false, error: clientError("internal_error") }) };
    }
    const error = retryError ?? clientError("internal_error");
    const delay = nextDelayMs(options.retry, error, attempt, now() - started);
    if (delay === null) throw error;
    await sleep(delay);
  }
}

function pickLongerWait(a: ClientError | undefined, b: ClientError): ClientError {
  return a === undefined || (b.retryAfterSeconds ?? 0) > (a.retryAfterSeconds ?? 0) ? b : a;
}

/** Throws the first failed outcome's error; returns the replies otherwise. */
export function requireAll(outcomes: readonly Outcome[]): RawReply[] {
  return outcomes.map((o) => {
    if (!o.ok) throw o.error;
    return o.reply;
  });
}
