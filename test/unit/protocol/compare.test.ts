import { describe, expect, it } from "vitest";
import { compareCodeUnits } from "../../../protocol/src/compare.ts";

describe("compareCodeUnits", () => {
  it("orders by UTF-16 code unit, whatever the locale: digits, upper case, '-', '_', lower case", () => {
    const names = ["b", "a_b", "B", "ab", "a-b", "a1", "a"];
    expect([...names].sort(compareCodeUnits)).toEqual(["B", "a", "a-b", "a1", "a_b", "ab", "b"]);
    // localeCompare puts these in another order (punctuation and case are weighed differently).
    expect([...names].sort((x, y) => x.localeCompare(y, "en"))).not.toEqual([...names].sort(compareCodeUnits));
    expect(compareCodeUnits("same", "same")).toBe(0);
  });
});
