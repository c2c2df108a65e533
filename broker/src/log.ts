/**
 * The broker's operational log on stderr (journald picks it up). It carries names,
 * codes and paths only; callers never pass a secret value, a ciphertext or a key.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that writes one prefixed line per message to a stream. */
export function createLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  const write = (level: string, message: string): void => {
    stream.write(`remo-broker ${level}: ${message}\n`);
  };
  return {
    info: (m) => { write("info", m); },
    warn: (m) => { write("warning", m); },
    error: (m) => { write("error", m); },
  };
}
