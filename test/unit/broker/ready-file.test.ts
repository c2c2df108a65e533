import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearReady, markReady, readyFile } from "../../../broker/src/cli/ready-file.ts";
import { makeTempDir } from "../../helpers/temp-dir.ts";

describe("markReady / clearReady", () => {
  it("replaces a ready file left by an earlier broker with this PID, and removes it on stop", async () => {
    const t = makeTempDir();
    try {
      writeFileSync(readyFile(t.path), "4242\n");
      await markReady(t.path, 777);
      expect(readFileSync(readyFile(t.path), "utf8")).toBe("777\n");
      await clearReady(t.path);
      expect(existsSync(readyFile(t.path))).toBe(false);
      await clearReady(t.path);
    } finally {
      t.cleanup();
    }
  });

  it("never writes through a link planted at its temp name", async () => {
    const t = makeTempDir();
    try {
      const victim = join(t.path, "victim");
      writeFileSync(victim, "keep\n");
      symlinkSync(victim, join(t.path, ".ready-778"));
      await markReady(t.path, 778);
      expect(readFileSync(victim, "utf8")).toBe("keep\n");
      expect(readFileSync(readyFile(t.path), "utf8")).toBe("778\n");
    } finally {
      t.cleanup();
    }
  });
});
