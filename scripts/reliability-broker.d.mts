/** The Node flags the systemd unit runs the broker with (its NODE_OPTIONS, then its ExecStart flags), as command-line arguments. */
export function unitNodeArgs(root: string): string[];
