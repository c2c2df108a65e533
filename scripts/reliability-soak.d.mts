/** Figures from one soak run (see reliability-soak.mjs). */
export interface SoakResult {
  /** Measured gets (after warm-up). */
  gets: number;
  /** Gets before RSS was steady (checked like the rest). */
  warmupGets: number;
  errors: number;
  errorCodes: Record<string, number>;
  torn: number;
  tornExamples: string[];
  /** Gets on one connection that saw an older bundle than an earlier get on it. */
  regressions: number;
  pushes: number;
  pushErrors: number;
  pushErrorExamples: string[];
  generationsSeen: number;
  rssStartKiB: number;
  rssWarmKiB: number;
  rssEndKiB: number;
  rssPeakKiB: number;
  /** RSS after each batch: total gets so far → KiB. */
  rssTimeline: { gets: number; rssKiB: number }[];
  /** Duration of the measured phase. */
  durationMs: number;
  /** Duration of warm-up and measured phases (pushes ran throughout). */
  wallMs: number;
  getsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** Options of {@link runSoak}. */
export interface SoakOptions {
  socketPath: string;
  brokerPid: number;
  push(bundle: Record<string, string>): Promise<unknown>;
  totalGets: number;
  connections?: number;
  pushIntervalMs?: number;
  names?: string[];
  /** Gets before RSS is read as "after warm-up" (default 500,000). */
  warmupGets?: number;
  /** Awaited after warm-up, before "RSS after warm-up" is read (no gets in flight; pushes continue). */
  afterWarmup?(): Promise<void>;
  log?(line: string): void;
}

/** Reads one `<key>: N kB` field (VmRSS, RssAnon, …) of `pid` in KiB from /proc/<pid>/status. */
export function statusKiB(pid: number, key: string): number;
/** Reads VmRSS of `pid` in KiB. */
export function rssKiB(pid: number): number;
/** A self-describing, checksummed value of `name` in generation `gen`. */
export function makeValue(gen: number, name: string): string;
/** One bundle for generation `gen`. */
export function makeBundle(gen: number, names: string[]): Record<string, string>;
/** Classifies a get reply against the pushed bundles. */
export function checkReply(reply: unknown, name: string, bundles: Map<number, Record<string, string>>):
  { kind: "ok"; gen: number } | { kind: "torn"; why: string } | { kind: "error"; code: string };
/** Runs the soak and returns its figures. */
export function runSoak(opts: SoakOptions): Promise<SoakResult>;
