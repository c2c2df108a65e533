import { spawn, type ChildProcess } from "node:child_process";
import { NdjsonDecoder } from "#protocol";
import { fileSystemOf } from "./file-systems.ts";
import { parseReply, readerSource, type ReadRequest, type ReadResult } from "./manifest-read-child.ts";

/** A read that got no usable answer: the file system did not answer in time, too many readers are stuck, or the reader broke. */
export class ReaderFailure extends Error {
  constructor(readonly reason: "timeout" | "busy" | "broken", message: string) {
    super(message);
  }
}

/**
 * Readers killed while blocked in a file system. A blocked process cannot die until its file
 * system answers, and each keeps ~6 MiB, so past this many, reads are refused at once.
 */
export const maxStuckReaders = 16;
/**
 * Readers one file system (one mount point) may hold, running or left blocked. A dead mount
 * takes at most this many, so projects on the other file systems keep being read; only four dead
 * mounts at once reach `maxStuckReaders`.
 */
export const maxReadersPerFileSystem = 4;
/** Reads running at once: as many as may be left blocked, so a healthy read waits only when that many hang at once. */
const maxBusyReaders = 16;
/** An idle reader exits after this long; one that is reused in time saves a Node start. */
const idleMs = 2000;
/** At most this many idle readers wait for work (more are only needed for parallel reads). */
const maxIdle = 2;
/** Longer than any answer (64 KiB of manifest as base64 plus the fields around it). */
const maxReplyBytes = 128 * 1024;
/** A reader that is not up after this long is given up (a loaded machine, not a file system). */
const startMs = 10_000;

interface FileSystemReaders {
  mountPoint: string;
  running: number;
  stuck: number;
  waiting: (() => void)[];
}

interface Reader {
  child: ChildProcess;
  ready: boolean;
  /** Exited, or never started: nothing left to kill or wait for. */
  dead: boolean;
  /** What the reader's next event goes to: the request in flight, if any. */
  waiter?: { onReady(): void; onLine(line: string): void; onExit(detail: string): void } | undefined;
  idleTimer?: NodeJS.Timeout | undefined;
}

/** Leaves `s` (a child's pipe) out of what keeps the broker's event loop alive. */
function unrefPipe(s: unknown): void {
  (s as { unref?: () => void } | null)?.unref?.();
}

/**
 * Runs manifest reads in child processes (see manifest-read-child.ts for why): one request at a
 * time per reader; a reader that does not answer in time is killed and abandoned, and a
 * reader that answered is reused for the next read while it is idle.
 */
export class ManifestReaders {
  /**
   * @param program the reader's source text; a test passes one that misbehaves.
   * @param mountOf the mount point holding a folder, which decides the group of readers its reads share.
   */
  constructor(private readonly program: string = readerSource, private readonly mountOf: (folder: string) => string = fileSystemOf) {}

  private idle: Reader[] = [];
  private stuck = 0;
  private busy = 0;
  private queue: (() => void)[] = [];
  /** Per mount point: its reads running, its readers left blocked, and reads waiting for one of those to end. */
  private fileSystems = new Map<string, FileSystemReaders>();

  /** Readers waiting for work, and readers killed but not yet gone (blocked in a file system). */
  counts(): { idle: number; stuck: number } {
    return { idle: this.idle.length, stuck: this.stuck };
  }

  /**
   * Reads one project folder; its file system gets `timeoutMs` once the reader is up. One file
   * system (the mount point holding `req.folder`) has at most `maxReadersPerFileSystem`
   * readers running or blocked, and more of its reads wait for one of them to end; when that many
   * are blocked, its reads are refused at once. At most `maxBusyReaders` reads run at once.
   */
  async read(req: ReadRequest, timeoutMs: number): Promise<ReadResult> {
    const fs = this.fileSystem(this.mountOf(req.folder));
    await this.enter(fs);
    try {
      if (this.busy >= maxBusyReaders) await new Promise<void>((resolve) => { this.queue.push(resolve); });
      else this.busy++;
      try {
        if (this.stuck >= maxStuckReaders) throw new ReaderFailure("busy", `${this.stuck} earlier manifest reads are still blocked on their file systems`);
        return await this.run(req, timeoutMs, fs);
      } finally {
        // The slot passes straight to the next waiter, so no read can slip in between.
        const next = this.queue.shift();
        if (next === undefined) this.busy--;
        else next();
      }
    } finally {
      fs.running--;
      this.wake(fs);
    }
  }

  private fileSystem(mountPoint: string): FileSystemReaders {
    let fs = this.fileSystems.get(mountPoint);
    if (fs === undefined) {
      fs = { mountPoint, running: 0, stuck: 0, waiting: [] };
      this.fileSystems.set(mountPoint, fs);
    }
    return fs;
  }

  /** Waits for a reader of `fs` to be free, or refuses when all it may have are blocked. */
  private async enter(fs: FileSystemReaders): Promise<void> {
    while (fs.running + fs.stuck >= maxReadersPerFileSystem) {
      if (fs.stuck >= maxReadersPerFileSystem) {
        // The reads queued behind this one are refused too, each when it is woken.
        this.wake(fs);
        throw new ReaderFailure("busy", `${fs.stuck} earlier reads of folders on ${fs.mountPoint} are still blocked in that file system`);
      }
      await new Promise<void>((resolve) => { fs.waiting.push(resolve); });
    }
    fs.running++;
  }

  /** Lets the next waiting read of `fs` look again; forgets `fs` once nothing of it is left. */
  private wake(fs: FileSystemReaders): void {
    const next = fs.waiting.shift();
    if (next !== undefined) next();
    else if (fs.running === 0 && fs.stuck === 0) this.fileSystems.delete(fs.mountPoint);
  }

  private run(req: ReadRequest, timeoutMs: number, fs: FileSystemReaders): Promise<ReadResult> {
    const reader = this.idle.pop() ?? this.start();
    clearTimeout(reader.idleTimer);
    return new Promise<ReadResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (): void => {
        clearTimeout(timer);
        reader.waiter = undefined;
      };
      const fail = (f: ReaderFailure): void => {
        settle();
        this.abandon(reader, fs);
        reject(f);
      };
      const arm = (ms: number, f: () => ReaderFailure): void => {
        clearTimeout(timer);
        timer = setTimeout(() => { fail(f()); }, ms);
      };
      const fsTimeout = (): void => { arm(timeoutMs, () => new ReaderFailure("timeout", `no answer within ${timeoutMs} ms`)); };
      reader.waiter = {
        onReady: fsTimeout,
        onLine: (line) => {
          const result = parseReply(line, req);
          if (result === undefined) {
            fail(new ReaderFailure("broken", "the manifest reader answered something unexpected"));
            return;
          }
          settle();
          this.release(reader);
          resolve(result);
        },
        onExit: (detail) => { fail(new ReaderFailure("broken", `the manifest reader ${detail}`)); },
      };
      if (reader.ready) fsTimeout();
      else arm(startMs, () => new ReaderFailure("broken", `the manifest reader did not start within ${startMs / 1000} s`));
      reader.child.stdin?.write(`${JSON.stringify(req)}\n`);
    });
  }

  private start(): Reader {
    // The broker's own Node, without the broker's NODE_OPTIONS (env is empty) and with a small heap:
    // the reader holds at most one manifest.
    const child = spawn(process.execPath, ["--max-old-space-size=16", "-e", this.program], { stdio: ["pipe", "pipe", "ignore"], env: {} });
    const reader: Reader = { child, ready: false, dead: false };
    child.unref();
    unrefPipe(child.stdin);
    unrefPipe(child.stdout);
    // A write to a reader that just died fails here instead of throwing in the broker.
    child.stdin.on("error", () => undefined);
    const replies = new NdjsonDecoder(maxReplyBytes);
    child.stdout.on("data", (chunk: Buffer) => {
      for (const frame of replies.push(chunk)) {
        if (frame.kind === "error") {
          // The longest answer is a 64 KiB manifest in base64 (ASCII); a reader that says more, or not text, is broken.
          if (reader.waiter === undefined) this.abandon(reader);
          else reader.waiter.onExit(frame.error === "oversize" ? "answered more than a manifest" : "answered something that is not text");
          return;
        }
        const line = frame.text;
        if (!reader.ready) {
          reader.ready = line === `{"kind":"ready"}`;
          if (!reader.ready) reader.waiter?.onExit("started with something unexpected");
          else reader.waiter?.onReady();
        } else if (reader.waiter !== undefined) {
          reader.waiter.onLine(line);
        } else {
          // Output nobody asked for: this reader is not to be trusted with another read.
          this.abandon(reader);
        }
      }
    });
    const gone = (detail: string): void => {
      reader.dead = true;
      this.idle = this.idle.filter((r) => r !== reader);
      clearTimeout(reader.idleTimer);
      reader.waiter?.onExit(detail);
    };
    child.on("error", (e) => { gone(`could not run (${(e as NodeJS.ErrnoException).code ?? e.message})`); });
    child.on("exit", (code, signal) => { gone(`exited (${signal ?? String(code)})`); });
    return reader;
  }

  private release(reader: Reader): void {
    if (this.idle.length >= maxIdle) {
      reader.child.stdin?.end();
      return;
    }
    this.idle.push(reader);
    reader.idleTimer = setTimeout(() => {
      this.idle = this.idle.filter((r) => r !== reader);
      reader.child.stdin?.end();
    }, idleMs);
    reader.idleTimer.unref();
  }

  /** Kills a reader that is blocked or misbehaving; it counts as stuck (on `fs`, when it was reading there) until it is really gone. */
  private abandon(reader: Reader, fs?: FileSystemReaders): void {
    this.idle = this.idle.filter((r) => r !== reader);
    reader.waiter = undefined;
    const { child } = reader;
    child.stdout?.destroy();
    child.stdin?.destroy();
    if (reader.dead) return;
    this.stuck++;
    if (fs !== undefined) fs.stuck++;
    child.once("exit", () => {
      this.stuck--;
      if (fs === undefined) return;
      fs.stuck--;
      this.wake(fs);
    });
    child.kill("SIGKILL");
  }
}
