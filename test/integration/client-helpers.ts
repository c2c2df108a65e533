import { existsSync, unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { repoRoot } from "../helpers/broker-process.ts";
import { readableCopy } from "../helpers/readable-copy.ts";
import { runProcess } from "../helpers/run-process.ts";

/** The built client (global-setup builds dist/ before integration tests). */
export const clientBin = join(repoRoot, "dist", "remo-secrets.js");

/** One finished run of the client. */
export interface ClientRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The client's own argv, as /proc showed it while it ran. */
  argv: string[];
}

/** Options for {@link runClient}. */
export interface ClientRunOptions {
  socket?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs `node dist/remo-secrets.js <args>` against a socket, capturing everything it prints. */
export async function runClient(args: string[], opts: ClientRunOptions = {}): Promise<ClientRun> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env };
  if (opts.socket !== undefined) env.REMO_BROKER_SOCKET = opts.socket;
  // Another UID may not be able to read the checkout (a 0700 parent): run a readable copy then.
  const bin = opts.uid === undefined || opts.uid === process.getuid?.() ? clientBin : readableCopy(clientBin);
  const result = await runProcess(process.execPath, [bin, ...args], {
    env,
    ...(opts.input === undefined ? {} : { input: opts.input }),
    ...(opts.uid === undefined ? {} : { uid: opts.uid }),
    ...(opts.gid === undefined ? {} : { gid: opts.gid }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
  });
  return { ...result, argv: [process.execPath, clientBin, ...args] };
}

/**
 * A tiny real Unix-socket peer that answers every line with `reply(line)` (or closes
 * when it returns null): a broker from another protocol version, a misbehaving peer.
 */
export async function startFakePeer(path: string, reply: (line: string) => string | null): Promise<{ server: Server; close: () => Promise<void> }> {
  if (existsSync(path)) unlinkSync(path);
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    let buf = "";
    s.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const out = reply(line);
        if (out === null) { s.destroy(); return; }
        s.write(out);
      }
    });
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    server,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => { resolve(); });
    }),
  };
}
