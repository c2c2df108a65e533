// The manifest reader as the broker runs it: real child processes of this Node, real files.
// The broker-level attacks (and the messages users see) are in broker-fs-attacks.test.ts and
// the hung file systems in broker-hung-fs.test.ts; this checks the reader's own answers and
// that one reader serves reads one after another instead of one process per read.
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ManifestReaders, ReaderFailure } from "../../broker/src/manifest/manifest-reader.ts";
import type { ReadRequest } from "../../broker/src/manifest/manifest-read-child.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";

const MAX = 64 * 1024;
const tmp = makeTempDir("remo-manifest-reader-");
afterAll(() => { tmp.cleanup(); });

let n = 0;
/** A fresh project folder; `setup` makes its .devcontainer/remo-broker.toml (or not). */
function project(setup: (dir: string, file: string) => void): ReadRequest {
  const folder = join(tmp.path, `p${n++}`);
  const dir = join(folder, ".devcontainer");
  mkdirSync(folder);
  setup(dir, join(dir, "remo-broker.toml"));
  return { folder, candidates: [[dir, "remo-broker.toml"], [join(folder, ".remo"), "broker.toml"]], max: MAX };
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("ManifestReaders", () => {
  const readers = new ManifestReaders();
  const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

  it("reads a manifest and the folder's owner, and reuses one reader for reads one after another", async () => {
    const text = "schema_version = 1\n";
    const req = project((dir, file) => { mkdirSync(dir); writeFileSync(file, text); });
    const st = statSync(req.folder);
    for (let i = 0; i < 3; i++) {
      const r = await readers.read(req, 5000);
      expect(r).toEqual({ kind: "ok", folder: { uid: st.uid, gid: st.gid }, index: 0, fileUid: me.uid, bytes: Buffer.from(text) });
      expect(readers.counts()).toEqual({ idle: 1, stuck: 0 });
    }
    // Parallel reads need more readers (past 16 at once they wait their turn); only a few stay for later, and idle ones exit.
    const many = await Promise.all(Array.from({ length: 20 }, () => readers.read(req, 5000)));
    expect(many.every((r) => r.kind === "ok")).toBe(true);
    expect(readers.counts().idle).toBeLessThanOrEqual(2);
    await waitFor(() => readers.counts().idle === 0, 10_000, "idle readers exit");
  });

  it("reads a manifest of exactly the cap: the longest answer a reader gives fits its reply limit", async () => {
    const bytes = Buffer.alloc(MAX, 0x61);
    const req = project((dir, file) => { mkdirSync(dir); writeFileSync(file, bytes); });
    expect(await readers.read(req, 5000)).toMatchObject({ kind: "ok", index: 0, bytes });
  });

  it("takes the second candidate when the first is absent, and says absent when neither is there", async () => {
    const second = project(() => undefined);
    mkdirSync(join(second.folder, ".remo"));
    writeFileSync(join(second.folder, ".remo", "broker.toml"), "x = 1\n");
    expect(await readers.read(second, 5000)).toMatchObject({ kind: "ok", index: 1, bytes: Buffer.from("x = 1\n") });
    expect(await readers.read(project(() => undefined), 5000)).toMatchObject({ kind: "absent" });
    expect(await readers.read({ ...project(() => undefined), folder: join(tmp.path, "nowhere") }, 5000)).toEqual({ kind: "folder_error", code: "ENOENT" });
  });

  it("refuses what is not a plain manifest without reading it", async () => {
    const cases: [string, ReadRequest, object][] = [
      ["a FIFO", project((dir, file) => { mkdirSync(dir); execFileSync("mkfifo", [file]); }), { why: "not_file", fileType: "FIFO" }],
      ["a symlink to /dev/zero", project((dir, file) => { mkdirSync(dir); symlinkSync("/dev/zero", file); }), { why: "file_link" }],
      ["a symlinked folder", project((dir) => { mkdirSync(`${dir}.real`); writeFileSync(join(`${dir}.real`, "remo-broker.toml"), "x = 1\n"); symlinkSync(`${dir}.real`, dir); }), { why: "dir_link" }],
      ["a hard link", project((dir, file) => { mkdirSync(dir); writeFileSync(`${file}.other`, "x = 1\n"); linkSync(`${file}.other`, file); }), { why: "links", nlink: 2 }],
      ["a file over the cap", project((dir, file) => { mkdirSync(dir); writeFileSync(file, Buffer.alloc(MAX + 1, 0x61)); }), { why: "size", size: MAX + 1 }],
      ["a folder in place of the file", project((dir, file) => { mkdirSync(file, { recursive: true }); }), { why: "not_file", fileType: "directory" }],
    ];
    for (const [what, req, refusal] of cases) expect(await readers.read(req, 5000), what).toEqual({ kind: "refused", folder: expect.anything() as unknown, index: 0, ...refusal });
  });
});

// Reader programs that break the reader's protocol in one way each: the broker must fail that
// read with a message, kill the reader and never hand it another read.
describe("a manifest reader that misbehaves", () => {
  /** A reader that says it is ready, then answers every request line with `answer(line)` (JS source). */
  const answering = (answer: string): string =>
    `process.stdout.write('{"kind":"ready"}\\n'); let b = ""; process.stdin.on("data", (d) => { b += d; if (b.includes("\\n")) { b = ""; process.stdout.write(${answer}); } });`;
  const cases: [string, string, string][] = [
    ["answers more than any manifest", answering(`"x".repeat(200 * 1024) + "\\n"`), "the manifest reader answered more than a manifest"],
    ["answers bytes that are not text", answering(`Buffer.from([0xff, 0xfe, 0x0a])`), "the manifest reader answered something that is not text"],
    ["answers a line that is not a reply", answering(`'{"kind":"ok"}\\n'`), "the manifest reader answered something unexpected"],
    ["starts with something else", `process.stdout.write("hello\\n"); setInterval(() => {}, 1000);`, "the manifest reader started with something unexpected"],
    ["exits during the read", answering(`"", process.exit(3)`), "the manifest reader exited (3)"],
  ];

  for (const [what, program, message] of cases) {
    it(`fails the read when the reader ${what}, and leaves no reader behind`, async () => {
      const readers = new ManifestReaders(program);
      const req = project((dir, file) => { mkdirSync(dir); writeFileSync(file, "schema_version = 1\n"); });
      const failure = await readers.read(req, 5000).then(() => undefined, (e: unknown) => e);
      expect(failure).toBeInstanceOf(ReaderFailure);
      expect(failure).toMatchObject({ reason: "broken", message });
      await waitFor(() => readers.counts().stuck === 0, 10_000, "the killed reader gone");
      expect(readers.counts()).toEqual({ idle: 0, stuck: 0 });
    });
  }
});
