// The exec transport: one remote command over an open SSH session, its output collected, with a
// deadline. Secrets and ciphertext only ever travel on the command's stdin, never in its line.
import type { Client, ClientChannel } from "ssh2";
import { NodeError } from "./errors.ts";
import type { ExecResult } from "./remote-command.ts";

/**
 * Runs one command. `stdin` may be a promise: the command starts at once and its input
 * follows when the promise resolves; resolving undefined closes the channel with nothing
 * written (the result is then "withheld").
 * @throws NodeError ssh_unreachable when the session refuses the command or drops under it, timeout after `timeoutMs`
 */
export function execCommand(client: Client, nodeName: string, command: string, stdin: Uint8Array | Promise<Uint8Array | undefined> | undefined, timeoutMs: number): Promise<ExecResult | "withheld"> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) {
        reject(new NodeError("ssh_unreachable", `The SSH session to ${nodeName} refused to run a command: ${err.message}`, { cause: err }));
        return;
      }
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let code: number | null = null;
      let signal: string | undefined;
      const timer = setTimeout(() => {
        stopChannel(stream);
        reject(new NodeError("timeout", `remo-broker on ${nodeName} did not answer within ${Math.round(timeoutMs / 1000)} s. Check the broker there (systemctl status remo-broker).`));
      }, timeoutMs);
      stream.on("data", (d: Buffer) => out.push(d));
      stream.stderr.on("data", (d: Buffer) => errOut.push(d));
      stream.on("exit", (c: number | null, s?: string) => {
        code = c;
        signal = s;
      });
      stream.on("close", () => {
        clearTimeout(timer);
        if (code === null && signal === undefined) {
          // No exit status at all: the connection went away under the command.
          reject(new NodeError("ssh_unreachable", `The SSH connection to ${nodeName} closed before the command finished. Check the network and try again.`));
          return;
        }
        resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(errOut).toString("utf8") });
      });
      if (stdin === undefined) {
        stream.end();
      } else if (stdin instanceof Uint8Array) {
        stream.end(Buffer.from(stdin));
      } else {
        void stdin.then((data) => {
          if (data !== undefined) {
            stream.end(Buffer.from(data));
            return;
          }
          clearTimeout(timer);
          stopChannel(stream);
          resolve("withheld");
        });
      }
    });
  });
}

/** Runs one command without input and returns what it printed and how it ended. */
export async function runCommand(client: Client, nodeName: string, command: string, timeoutMs: number): Promise<ExecResult> {
  const result = await execCommand(client, nodeName, command, undefined, timeoutMs);
  if (result === "withheld") throw new Error("a command without stdin cannot be withheld");
  return result;
}

/** Ends a remote command: TERM first where the server supports signals, then the channel. */
export function stopChannel(channel: ClientChannel): void {
  try {
    channel.signal("TERM");
  } catch {
    // the server may not support signals; closing the channel ends the command on its next write
  }
  channel.close();
}
