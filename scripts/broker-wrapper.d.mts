/** Writes `<dir>/bin/remo-broker` pointed at a test broker; returns its path. */
export function writeBrokerWrapper(dir: string, broker: { runtimeDir: string; auditFile: string }, brokerJs: string): string;
