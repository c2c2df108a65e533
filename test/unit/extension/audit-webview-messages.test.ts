import { describe, expect, it } from "vitest";
import { isToWebview } from "#protocol/webview";

describe("isToWebview: the records message's project", () => {
  const records = { type: "records", records: [], node: "build1", fetchedAt: "2026-03-01T12:00:00.000Z" };

  it("accepts records with or without the project the panel was opened for", () => {
    expect(isToWebview(records)).toBe(true);
    expect(isToWebview({ ...records, project: "beta" })).toBe(true);
  });

  it("refuses a project that is not a string", () => {
    expect(isToWebview({ ...records, project: 7 })).toBe(false);
    expect(isToWebview({ ...records, project: null })).toBe(false);
  });
});
