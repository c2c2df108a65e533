/** The CLI's process edges, injected so subcommands can be tested without a real process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<Buffer>;
  /** True when stdin is a terminal (push-creds then refuses instead of waiting). */
  stdinIsTty(): boolean;
  env: NodeJS.ProcessEnv;
}

/** The real process's stdio. */
export const processIo: CliIo = {
  stdout: (t) => { process.stdout.write(t); },
  stderr: (t) => { process.stderr.write(t); },
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  },
  stdinIsTty: () => process.stdin.isTTY,
  env: process.env,
};
