import { describe, expect, it } from "vitest";
import { SecretStore } from "../../../broker/src/secrets/secret-store.ts";

const snap = (entries: Record<string, string>): { secrets: Map<string, Buffer>; loadedAt: Date } => ({ secrets: new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)])), loadedAt: new Date(0) });
const text = (b: Buffer | undefined): string | undefined => b?.toString();

describe("SecretStore", () => {
  it("looks up a project's own bundle first, then the node-wide one", () => {
    const s = new SecretStore();
    s.replace(undefined, snap({ A: "node-a", B: "node-b" }));
    s.replace("p", snap({ A: "p-a" }));
    expect([s.lookup("p", "A"), s.lookup("p", "B"), s.lookup("q", "A"), s.lookup("p", "C")].map(text)).toEqual(["p-a", "node-b", "node-a", undefined]);
  });

  it("swaps whole snapshots: a replaced bundle's names disappear", () => {
    const s = new SecretStore();
    s.replace(undefined, snap({ A: "1", B: "1" }));
    s.replace(undefined, snap({ A: "2" }));
    expect([s.lookup("x", "A"), s.lookup("x", "B")].map(text)).toEqual(["2", undefined]);
  });

  it("zero-fills the values of a replaced snapshot", () => {
    const s = new SecretStore();
    s.replace(undefined, snap({ A: "old" }));
    const held = s.node!.secrets.get("A")!;
    s.replace(undefined, snap({ A: "new" }));
    expect([...held]).toEqual([0, 0, 0]);
    expect(text(s.lookup("x", "A"))).toBe("new");
  });

  it("clears the node-wide or one project's bundle", () => {
    const s = new SecretStore();
    s.replace(undefined, snap({ A: "n" }));
    s.replace("p", snap({ A: "p" }));
    const projectValue = s.lookup("p", "A")!;
    s.clear("p");
    expect([...projectValue]).toEqual([0]);
    expect(text(s.lookup("p", "A"))).toBe("n");
    s.clear(undefined);
    expect(s.lookup("p", "A")).toBeUndefined();
    expect(s.node).toBeUndefined();
  });
});
