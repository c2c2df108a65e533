// What the push-over-SSH tests share: reading the broker's audit and checking a NodeError's code.
import { expect } from "vitest";
import type { AuditRecord } from "#protocol";
import { NodeError } from "../../extension/src/node/errors.ts";
import type { BrokerHandle } from "./broker-process.ts";

/** Every audit record, through the broker's admin audit op (it flushes pending records first). */
export async function auditRecords(broker: BrokerHandle): Promise<AuditRecord[]> {
  const reply = await broker.admin({ op: "audit", limit: 10_000 });
  if (!Array.isArray(reply.records)) throw new Error(`audit op failed: ${JSON.stringify(reply)}`);
  return reply.records as AuditRecord[];
}

/** Awaits `p`, expects it to reject with a NodeError of `code`, and returns that error. */
export async function expectNodeError(p: Promise<unknown>, code: NodeError["code"]): Promise<NodeError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(NodeError);
  expect((e as NodeError).code, (e as Error).message).toBe(code);
  return e as NodeError;
}
