import { describe, expect, it } from "vitest";
import { walkWorkspace, type ScanBudget, type ScanFs } from "../../../extension/src/manifest-authoring/walk-workspace.ts";

interface Tree { [name: string]: string | Tree | { symlink: string } }

/** A file system over a nested object; `reads` counts how many files were read. */
function treeFs(tree: Tree): ScanFs<string> & { reads: string[] } {
  const at = (path: string): string | Tree | { symlink: string } | undefined => {
    let node: string | Tree | { symlink: string } | undefined = tree;
    for (const part of path.split("/").filter((p) => p !== "")) {
      if (typeof node !== "object" || "symlink" in node) return undefined;
      node = (node)[part];
    }
    return node;
  };
  const reads: string[] = [];
  return {
    reads,
    list: (dir) => {
      const node = at(dir);
      if (typeof node !== "object" || "symlink" in node) return Promise.reject(new Error(`not a folder: ${dir}`));
      return Promise.resolve(Object.entries(node).map(([n, v]): [string, "file" | "directory" | "other"] => [n, typeof v === "string" ? "file" : "symlink" in v ? "other" : "directory"]));
    },
    size: (file) => Promise.resolve(new TextEncoder().encode(at(file) as string).byteLength),
    read: (file) => { reads.push(file); return Promise.resolve(new TextEncoder().encode(at(file) as string)); },
    child: (dir, name) => `${dir}/${name}`,
  };
}

const budget = (over: Partial<ScanBudget> = {}): ScanBudget => ({ maxFiles: 100, maxFileBytes: 1000, maxTotalBytes: 10_000, maxMs: 1000, now: () => 0, ...over });

describe("walkWorkspace", () => {
  it("reads scannable files breadth-first, skipping vendored folders and symlinks", async () => {
    const fs = treeFs({
      "app.ts": "process.env.API_TOKEN",
      "README.md": "not scanned",
      "src": { "deep.py": "os.getenv('DB_PASSWORD')" },
      "node_modules": { "x.js": "process.env.NOPE" },
      ".git": { "config.js": "x" },
      "loop": { symlink: "/" },
    });
    const got = await walkWorkspace("", fs, budget());
    expect(got).toEqual({ files: [{ path: "app.ts", text: "process.env.API_TOKEN" }, { path: "src/deep.py", text: "os.getenv('DB_PASSWORD')" }] });
  });

  it("skips files over the per-file size and stops at the file count", async () => {
    const fs = treeFs({ "a.ts": "x".repeat(2000), "b.ts": "b", "c.ts": "c", "d.ts": "d" });
    const got = await walkWorkspace("", fs, budget({ maxFiles: 2 }));
    expect(got).toEqual({ files: [{ path: "b.ts", text: "b" }, { path: "c.ts", text: "c" }], stoppedBecause: "2 files read" });
    expect(fs.reads).toEqual(["/b.ts", "/c.ts"]);
  });

  it("stops when the clock passes the time budget, with what it found so far", async () => {
    let t = 0;
    const fs = treeFs({ "a.ts": "a", "b.ts": "b", "c.ts": "c" });
    const slow = { ...fs, read: async (f: string) => { t += 600; return await fs.read(f); } };
    const got = await walkWorkspace("", slow, budget({ now: () => t }));
    expect(got).toEqual({ files: [{ path: "a.ts", text: "a" }, { path: "b.ts", text: "b" }], stoppedBecause: "time budget of 1000 ms used" });
  });

  it("stops at the total byte budget and on cancellation", async () => {
    const fs = treeFs({ "a.ts": "aaaa", "b.ts": "bbbb", "c.ts": "cc" });
    expect(await walkWorkspace("", fs, budget({ maxTotalBytes: 8 }))).toEqual({ files: [{ path: "a.ts", text: "aaaa" }, { path: "b.ts", text: "bbbb" }], stoppedBecause: "8 bytes read" });
    let cancelled = false;
    const cancelling = { ...fs, read: async (f: string) => { cancelled = true; return await fs.read(f); } };
    expect(await walkWorkspace("", cancelling, budget({ isCancelled: () => cancelled }))).toEqual({ files: [{ path: "a.ts", text: "aaaa" }], stoppedBecause: "cancelled" });
  });

  it("reads only the files the include predicate accepts, at any depth (e.g. manifests)", async () => {
    const fs = treeFs({
      ".devcontainer": { "remo-broker.toml": "root", "devcontainer.json": "{}" },
      "app.ts": "process.env.API_TOKEN",
      "packages": { api: { ".remo": { "broker.toml": "nested" } } },
      "node_modules": { dep: { ".remo": { "broker.toml": "vendored" } } },
    });
    const manifest = (p: string): boolean => p === ".devcontainer/remo-broker.toml" || p.endsWith("/.remo/broker.toml");
    expect(await walkWorkspace("", fs, budget(), manifest)).toEqual({ files: [
      { path: ".devcontainer/remo-broker.toml", text: "root" },
      { path: "packages/api/.remo/broker.toml", text: "nested" },
    ] });
    expect(fs.reads).toEqual(["/.devcontainer/remo-broker.toml", "/packages/api/.remo/broker.toml"]);
  });

  it("an unreadable folder contributes nothing and the walk goes on", async () => {
    const fs = treeFs({ "broken": { symlink: "x" }, "ok.ts": "ok" });
    const failing = { ...fs, list: (d: string) => (d === "/broken" ? Promise.reject(new Error("EACCES")) : fs.list(d)) };
    expect(await walkWorkspace("", failing, budget())).toEqual({ files: [{ path: "ok.ts", text: "ok" }] });
  });
});
