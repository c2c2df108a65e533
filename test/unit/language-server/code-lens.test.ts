import { describe, expect, it } from "vitest";
import { codeLenses, relativeTime } from "../../../language-server/src/code-lens.ts";
import { parseDocument } from "../../../language-server/src/toml/parse.ts";

describe("codeLenses", () => {
  const doc = parseDocument("[allowlist]\nsecrets = [\"A\", \"B\", \"C\", \"A\"]\n", {});
  const now = Date.parse("2026-01-01T12:00:00.000Z");

  it("shows nothing until the client has sent secret state", () => {
    expect(codeLenses(doc, undefined, now)).toEqual([]);
  });

  it("shows value state and last fetch per allowlisted name, once per name", () => {
    const state = new Map([
      ["A", { name: "A", hasValue: true, lastFetchedAt: "2026-01-01T11:55:00.000Z" }],
      ["B", { name: "B", hasValue: true }],
      ["C", { name: "C", hasValue: false }],
    ]);
    expect(codeLenses(doc, state, now).map((l) => [l.range.start.character, l.command])).toEqual([
      [11, { title: "A: value set · fetched 5 min ago", command: "" }],
      [16, { title: "B: value set", command: "" }],
      [21, { title: "C: no value on this laptop — Set value…", command: "remo.setSecret", arguments: ["C"] }],
    ]);
  });
});

describe("relativeTime", () => {
  it.each([[0, "just now"], [59_000, "just now"], [60_000, "1 min ago"], [3_599_000, "59 min ago"], [3_600_000, "1 h ago"], [47 * 3_600_000, "47 h ago"], [72 * 3_600_000, "3 days ago"], [-5000, "just now"]])("%d ms → %s", (ms, text) => {
    expect(relativeTime(ms)).toBe(text);
  });
});
