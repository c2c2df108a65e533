/** The process's streams and environment, injected so commands can be driven from tests. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  stdoutIsTty: boolean;
}

/** Writes and resolves once the data is handed to the OS (so exit() loses nothing). */
export function writeOut(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    stream.write(data, () => { resolve(); });
  });
}

/** Prints one JSON document on a line. */
export function writeJson(stream: NodeJS.WritableStream, value: unknown): Promise<void> {
  return writeOut(stream, JSON.stringify(value) + "\n");
}
