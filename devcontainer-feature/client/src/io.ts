import { writeSync } from "node:fs";

/** Somewhere to write output; resolves once the bytes are with the OS (so exiting loses nothing). */
export interface Output {
  write(data: string | Uint8Array): Promise<void>;
}

/** The process's streams and environment, injected so commands can be driven from tests. */
export interface Io {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  stdoutIsTty: boolean;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes straight to a file descriptor. The client never creates process.stdout or
 * process.stderr: setting up a Node stdio stream costs a few ms of start-up, a fifth
 * of what `node -e 0` costs, for output that is one short write. A closed pipe
 * (`remo-secrets env | head -1`) drops the rest quietly, as a shell tool does.
 */
export function fdOutput(fd: number): Output {
  let closed = false;
  return {
    write: (data) => {
      let bytes = typeof data === "string" ? Buffer.from(data) : data;
      while (!closed && bytes.length > 0) {
        try {
          bytes = bytes.subarray(writeSync(fd, bytes));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EPIPE") closed = true;
          // A non-blocking pipe whose reader is behind: wait a moment, do not spin.
          else if (code === "EAGAIN") Atomics.wait(pause, 0, 0, 1);
          else throw e;
        }
      }
      return Promise.resolve();
    },
  };
}

/** Writes text or bytes. */
export function writeOut(out: Output, data: string | Uint8Array): Promise<void> {
  return out.write(data);
}

/** Prints one JSON document on a line. */
export function writeJson(out: Output, value: unknown): Promise<void> {
  return out.write(JSON.stringify(value) + "\n");
}
