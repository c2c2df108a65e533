import type * as NodeCryptoNs from "node:crypto";

type NodeCrypto = typeof NodeCryptoNs;

/**
 * node:crypto, loaded on first use (an idle broker does without it). Through
 * process.getBuiltinModule where Node has it (20.16 and later): a dynamic import() would also
 * load the rest of Node's ES module loader (module jobs, translators, resolution), RSS kept for good.
 */
export async function nodeCrypto(): Promise<NodeCrypto> {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  return get === undefined ? await import("node:crypto") : get("node:crypto") as NodeCrypto;
}
