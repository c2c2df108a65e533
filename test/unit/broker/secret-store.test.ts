import { describe, expect, it } from "vitest";
import { SecretStore } from "../../../broker/src/secret-store.ts";

const snap = (entries: Record<string, string>): { secrets: Map<string, string>; loadedAt: Date } => ({ secrets: new Map(Object.entries(entries)), loadedAt: new Date(0) });

describe("SecretStore", () => {
  it("looks up a project's own bundle first, then the node-wide one", () => {
    const s = new SecretStore();
    s.replace(undefined, snap({ A: "node-a", B: "node-b" }));
    s.replace("p", snap({ A: "p-a" }));
    expect([s.lookup("p", "A"), s.lookup("p", "B"), s.lookup("q", "A"), s.lookup("p", "C")]).toEqual(["p-a", "node-b", "node-a", undefined]);
  });

  it("swaps whole snapshots: a replaced bundle's names disappear", () => {
    const s = new SecretStore();
    s.replace(undefined, snap({ A: "1", B: "1" }));
    s.replace(undefined, snap({ A: "2" }));
    expect([s.lookup("x", "A"), s.lookup("x", "B")]).toEqual(["2", undefined]);
  });

  it("keeps a snapshot a reader already holds unchanged by a later push", () => {
    const s = new SecretStore();
    s.replace(undefined, snap({ A: "old" }));
    const held = s.node!;
    s.replace(undefined, snap({ A: "new" }));
    expect(held.secrets.get("A")).toBe("old");
  });

  it("clears the node-wide or one project's bundle", () => {
    const s = new SecretStore();
    s.replace(undefined, snap({ A: "n" }));
    s.replace("p", snap({ A: "p" }));
    s.clear("p");
    expect(s.lookup("p", "A")).toBe("n");
    s.clear(undefined);
    expect(s.lookup("p", "A")).toBeUndefined();
    expect(s.node).toBeUndefined();
  });
});
