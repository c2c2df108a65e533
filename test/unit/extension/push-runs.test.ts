import { describe, expect, it } from "vitest";
import { runOnAll, summarizeRuns } from "../../../extension/src/commands/push-runs.ts";

const nodes = [{ name: "a" }, { name: "b" }, { name: "c" }];
const text = (e: unknown, node: string): string => `${node}: ${e instanceof Error ? e.message : String(e)}`;

describe("runOnAll", () => {
  it("starts every push before any finishes (parallel), and keeps the nodes' order", async () => {
    const started: string[] = [];
    let release!: () => void;
    const allStarted = new Promise<void>((r) => { release = r; });
    // Each push waits until all three have started: a sequential runner would never finish.
    const runs = await runOnAll(nodes, async (n) => {
      started.push(n.name);
      if (started.length === nodes.length) release();
      await allStarted;
      return n.name.toUpperCase();
    }, text);
    expect(started).toEqual(["a", "b", "c"]);
    expect(runs).toEqual([{ node: "a", ok: true, result: "A" }, { node: "b", ok: true, result: "B" }, { node: "c", ok: true, result: "C" }]);
  });

  it("a failing node is reported with its error and code; the others still succeed", async () => {
    const reports: string[] = [];
    const runs = await runOnAll(nodes, (n) => (n.name === "b" ? Promise.reject(Object.assign(new Error("host key changed"), { code: "host_key_changed" })) : Promise.resolve(1)), text, (m) => { reports.push(m); });
    expect(runs).toEqual([
      { node: "a", ok: true, result: 1 },
      { node: "b", ok: false, error: "b: host key changed", code: "host_key_changed" },
      { node: "c", ok: true, result: 1 },
    ]);
    expect(reports.map((r) => r.replace(/^\d\/3: /, ""))).toEqual(expect.arrayContaining(["a done", "b failed", "c done"]));
    expect(reports.map((r) => r.slice(0, 4))).toEqual(["1/3:", "2/3:", "3/3:"]);
  });

  it("words the error with the injected function and leaves out a missing code", async () => {
    const runs = await runOnAll([{ name: "x" }], () => Promise.reject(new Error("boom")), () => "x is unreachable.");
    expect(runs).toEqual([{ node: "x", ok: false, error: "x is unreachable." }]);
  });
});

describe("summarizeRuns", () => {
  it("is information when every node took the push", () => {
    expect(summarizeRuns("proj", [{ node: "a", ok: true, result: 1 }, { node: "b", ok: true, result: 1 }])).toEqual({ level: "info", message: "Pushed proj's secrets to a, b." });
  });

  it("is a warning naming each failed node and why", () => {
    expect(summarizeRuns("proj", [{ node: "a", ok: true, result: 1 }, { node: "b", ok: false, error: "The SSH host key of b changed. Nothing was sent." }])).toEqual({
      level: "warning",
      message: "Pushed proj's secrets to 1 of 2 nodes. b: The SSH host key of b changed. Nothing was sent.",
    });
  });
});
