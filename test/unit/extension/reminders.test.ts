import { describe, expect, it } from "vitest";
import { describeAge, isPushDue } from "../../../extension/src/status/reminders.ts";

const now = new Date("2026-11-26T12:00:00.000Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

describe("isPushDue", () => {
  it("is due when never pushed, and exactly at the threshold", () => {
    expect(isPushDue(undefined, now, 7)).toBe(true);
    expect(isPushDue(daysAgo(7), now, 7)).toBe(true);
    expect(isPushDue(daysAgo(6.99), now, 7)).toBe(false);
    expect(isPushDue(daysAgo(30), now, 7)).toBe(true);
  });

  it("is never due when reminders are off", () => {
    expect(isPushDue(undefined, now, 0)).toBe(false);
    expect(isPushDue(daysAgo(100), now, -1)).toBe(false);
    expect(isPushDue(daysAgo(100), now, Number.NaN)).toBe(false);
  });

  it("is due for an unreadable or far-future timestamp, so a bad value cannot silence it", () => {
    expect(isPushDue("yesterday", now, 7)).toBe(true);
    expect(isPushDue(daysAgo(-3), now, 7)).toBe(true);
    expect(isPushDue(daysAgo(-0.5), now, 7)).toBe(false);
  });
});

describe("describeAge", () => {
  it("says how long ago in words", () => {
    expect([undefined, "x", daysAgo(0), daysAgo(1 / 24 / 60), daysAgo(2 / 24), daysAgo(1), daysAgo(3)].map((t) => describeAge(t, now)))
      .toEqual(["never", "unknown", "just now", "1 minute ago", "2 hours ago", "1 day ago", "3 days ago"]);
  });
});
