import { describe, expect, it } from "vitest";
import { effectiveAllowlist } from "../../../broker/src/manifest/allowlist.ts";

describe("effectiveAllowlist", () => {
  it("serves approved names the file still lists, in file order", () => {
    expect(effectiveAllowlist(["B", "A", "C"], ["A", "B"])).toEqual({ served: ["A", "B"], approvedCount: 3, narrowedCount: 1, unapprovedCount: 0 });
  });
  it("never widens: a name added to the file is not served until approved", () => {
    expect(effectiveAllowlist(["A"], ["A", "EXTRA"])).toEqual({ served: ["A"], approvedCount: 1, narrowedCount: 0, unapprovedCount: 1 });
  });
  it("an empty approval serves nothing whatever the file says", () => {
    expect(effectiveAllowlist([], ["A"])).toEqual({ served: [], approvedCount: 0, narrowedCount: 0, unapprovedCount: 1 });
  });
});
