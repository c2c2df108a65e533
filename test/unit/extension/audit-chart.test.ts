import { describe, expect, it } from "vitest";
import type { AuditRecord } from "#protocol";
import { bucketLabel, buildReadsSeries, renderReadsChart } from "../../../extension/src/audit-view/audit-chart.ts";

const get = (ts: string, extra: Partial<AuditRecord> = {}): AuditRecord => ({ ts, event: "secret.get", project: "myrepo", secret: "GITHUB_TOKEN", outcome: "ok", ...extra });
const t = (iso: string): number => Date.parse(iso);

describe("buildReadsSeries", () => {
  it("picks the smallest readable bucket that fits, and stacks refusals beside reads", () => {
    const records = [
      get("2026-12-01T10:00:10.000Z"),
      get("2026-12-01T10:03:00.000Z"),
      get("2026-12-01T10:03:30.000Z", { outcome: "denied", count: 5 }),
      get("2026-12-01T10:04:59.000Z", { secret: "NPM_TOKEN" }),
      get("2026-12-01T10:02:00.000Z", { outcome: "not_found" }),
      { ts: "2026-12-01T10:01:00.000Z", event: "secrets.pushed", project: "myrepo", outcome: "ok" },
    ] satisfies AuditRecord[];
    expect(buildReadsSeries(records, { minBins: 1 })).toEqual({
      bucketMs: 60_000,
      bins: [
        { start: t("2026-12-01T10:00:00.000Z"), reads: 1, refusals: 0 },
        { start: t("2026-12-01T10:01:00.000Z"), reads: 0, refusals: 0 },
        { start: t("2026-12-01T10:02:00.000Z"), reads: 0, refusals: 0 },
        { start: t("2026-12-01T10:03:00.000Z"), reads: 1, refusals: 5 },
        { start: t("2026-12-01T10:04:00.000Z"), reads: 1, refusals: 0 },
      ],
    });
    expect(buildReadsSeries(records, { secret: "NPM_TOKEN", minBins: 1 }).bins).toEqual([{ start: t("2026-12-01T10:04:00.000Z"), reads: 1, refusals: 0 }]);
    expect(buildReadsSeries(records, { project: "other" }).bins).toEqual([]);
  });

  it("pads a short span with empty buckets before the first record, so one minute of reads is not one block", () => {
    const series = buildReadsSeries([get("2026-12-01T17:01:06.000Z"), get("2026-12-01T17:01:12.000Z", { outcome: "denied", count: 11 })]);
    expect(series.bucketMs).toBe(60_000);
    expect(series.bins).toHaveLength(12);
    expect(series.bins[0]?.start).toBe(t("2026-12-01T16:50:00.000Z"));
    expect(series.bins.slice(0, 11).every((b) => b.reads === 0 && b.refusals === 0)).toBe(true);
    expect(series.bins[11]).toEqual({ start: t("2026-12-01T17:01:00.000Z"), reads: 1, refusals: 11 });
    // Never more than maxBins, even when minBins asks for more.
    expect(buildReadsSeries([get("2026-12-01T17:01:06.000Z")], { minBins: 50, maxBins: 5 }).bins).toHaveLength(5);
  });

  it("uses day buckets for a month of records and never more bars than asked", () => {
    const records = Array.from({ length: 30 }, (_, i) => get(new Date(t("2026-11-01T12:00:00.000Z") + i * 86_400_000).toISOString()));
    const series = buildReadsSeries(records, { maxBins: 30 });
    expect(series.bucketMs).toBe(86_400_000);
    expect(series.bins).toHaveLength(30);
    expect(series.bins.every((b) => b.reads === 1)).toBe(true);
    const weekly = buildReadsSeries(records, { maxBins: 6 });
    expect(weekly.bucketMs).toBe(7 * 86_400_000);
    expect(weekly.bins.length).toBeLessThanOrEqual(6);
    expect(weekly.bins.reduce((s, b) => s + b.reads, 0)).toBe(30);
  });

  it("aligns hour buckets to the local offset", () => {
    const records = [get("2026-12-01T10:10:00.000Z"), get("2026-12-01T20:10:00.000Z")];
    const ist = buildReadsSeries(records, { maxBins: 12, minBins: 1, utcOffsetMinutes: 330 });
    expect(ist.bucketMs).toBe(3_600_000);
    expect(ist.bins[0]?.start).toBe(t("2026-12-01T09:30:00.000Z"));
    expect(bucketLabel(ist.bins[0]?.start ?? 0, ist.bucketMs, 330)).toBe("12-01 15:00");
  });
});

describe("renderReadsChart", () => {
  it("draws one group per bucket with a hover title, reads under refusals, scaled to the tallest", () => {
    const svg = renderReadsChart({
      bucketMs: 60_000,
      bins: [
        { start: t("2026-12-01T10:00:00.000Z"), reads: 2, refusals: 0 },
        { start: t("2026-12-01T10:01:00.000Z"), reads: 1, refusals: 3 },
      ],
    }, { width: 100, height: 60, title: "Reads <of> X" });
    expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"reads-chart\" viewBox=\"0 0 100 60\" width=\"100\" height=\"60\" role=\"img\" aria-label=\"Reads &lt;of&gt; X\"><title>Reads &lt;of&gt; X</title>")).toBe(true);
    expect([...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1])).toEqual(["Reads &lt;of&gt; X", "12-01 10:00: 2 reads", "12-01 10:01: 1 read, 3 refusals"]);
    const rects = [...svg.matchAll(/<rect class="(bar-\w+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"\/>/g)].map((m) => [m[1], Number(m[3]), Number(m[5])]);
    // Plot: top 6, 36 high (60 − 6 − 18); the tallest bar (4) fills it.
    expect(rects).toEqual([["bar-read", 24, 18], ["bar-read", 33, 9], ["bar-refused", 6, 27]]);
    expect(svg).toContain(">4</text>");
    expect(svg).not.toMatch(/<script|style=|href|on\w+=/i);
  });

  it("keeps bars thin when there are few of them", () => {
    const svg = renderReadsChart({ bucketMs: 60_000, bins: [{ start: 0, reads: 1, refusals: 0 }] }, { width: 560, height: 120 });
    expect(/<rect class="bar-read" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/.exec(svg)?.[1]).toBe("24");
  });

  it("says so when there is nothing to draw", () => {
    expect(renderReadsChart({ bucketMs: 3_600_000, bins: [] }, { width: 200, height: 50 })).toBe("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"reads-chart\" viewBox=\"0 0 200 50\" width=\"200\" height=\"50\" role=\"img\" aria-label=\"Reads over time\"><title>Reads over time</title><text class=\"chart-empty\" x=\"100\" y=\"25\" text-anchor=\"middle\">No reads recorded yet</text></svg>");
  });
});
