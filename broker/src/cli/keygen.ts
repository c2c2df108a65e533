import { open } from "node:fs/promises";
import { flag, parseArgs, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";
import { sudoUser } from "./serve-path-policy.ts";

/** `remo-broker keygen --out FILE`: writes a new 0600 X25519 identity and prints its recipient. Refuses to overwrite. */
export async function runKeygen(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["out"] });
  const out = flag(args, "out");
  if (out === undefined || args.positionals.length > 0) throw new UsageError("keygen needs --out FILE");
  // As root it creates a file wherever it is told: not for a user whose sudo allows only remo-broker.
  const sudoUid = sudoUser(io.env);
  if (sudoUid !== undefined) {
    io.stderr(`remo-broker keygen: refused under sudo by user ${sudoUid}: it would let that user create files as root anywhere. broker/packaging/install.sh creates the node's key; if you are root anyway (sudo -i), run env -u SUDO_UID remo-broker keygen --out ${out}\n`);
    return 2;
  }
  // Loaded here, not at the top: a static import would make every broker start evaluate the age library.
  const { generateX25519Identity, identityToRecipient } = await import("age-encryption");
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  let handle;
  try {
    // "wx": never replace an existing key; that would orphan every bundle encrypted to it.
    handle = await open(out, "wx", 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      io.stderr(`remo-broker keygen: ${out} already exists; refusing to overwrite a key (bundles encrypted to it would be lost). Choose another --out, or remove the old key first if you really mean to.\n`);
      return 1;
    }
    io.stderr(`remo-broker keygen: cannot create ${out} (${code ?? "error"}). Check the directory exists and is writable.\n`);
    return 1;
  }
  try {
    await handle.writeFile(`# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`);
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  io.stdout(`${recipient}\n`);
  return 0;
}
