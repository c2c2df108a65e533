import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLines, repoRoot, startBroker, type BrokerHandle } from "../helpers/broker-process.ts";

// Golden wire cases: test/fixtures/wire/<case>.ndjson (format in its README.md). A new case is a new file.
const dir = join(repoRoot, "test", "fixtures", "wire");
const cases = readdirSync(dir).filter((f) => f.endsWith(".ndjson")).sort();

interface WireCase { socket: "project" | "admin"; requests: string[]; replies: unknown[]; closes: boolean }

function parseCase(text: string): WireCase {
  const c: WireCase = { socket: "project", requests: [], replies: [], closes: false };
  for (const line of text.split("\n")) {
    if (line.startsWith("# socket:")) c.socket = line.slice(9).trim() === "admin" ? "admin" : "project";
    else if (line.trim() === "# closes") c.closes = true;
    else if (line.startsWith("> ")) c.requests.push(line.slice(2));
    else if (line.startsWith("< ")) c.replies.push(JSON.parse(line.slice(2)));
  }
  return c;
}

/** Replaces "<any>" in the expectation with whatever the reply holds there. */
function resolveAny(expected: unknown, actual: unknown): unknown {
  if (expected === "<any>") return actual;
  if (Array.isArray(expected)) return expected.map((e, i) => resolveAny(e, Array.isArray(actual) ? actual[i] : undefined));
  if (typeof expected === "object" && expected !== null) {
    const a = (typeof actual === "object" && actual !== null ? actual : {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, resolveAny(v, a[k])]));
  }
  return expected;
}

describe("golden wire fixtures", () => {
  let broker: BrokerHandle;
  let projectSocket: string;

  beforeAll(async () => {
    broker = await startBroker({ extraArgs: ["--rate-limit", "100000", "--rate-burst", "100000"] });
    projectSocket = (await broker.registerProject("golden", { allowlist: ["GITHUB_TOKEN", "NPM_TOKEN", "UNSET"] })).socketPath;
    expect(await broker.pushSecrets({ GITHUB_TOKEN: "ghp_golden", NPM_TOKEN: "npm_golden", NOT_ALLOWED: "x" })).toMatchObject({ ok: true });
  });
  afterAll(async () => { await broker.stop(); });

  it("has cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)("%s", async (file) => {
    const c = parseCase(readFileSync(join(dir, file), "utf8"));
    expect(c.replies.length, "a case needs expected replies").toBeGreaterThan(0);
    const conn = await connectLines(c.socket === "admin" ? broker.adminSocket : projectSocket);
    conn.write(c.requests.map((r) => `${r}\n`).join(""));
    const got: unknown[] = [];
    while (got.length < c.replies.length) got.push(await conn.next());
    expect(got).toEqual(c.replies.map((e, i) => resolveAny(e, got[i])));
    if (c.closes) await conn.closed;
    else {
      conn.send(c.socket === "admin" ? { op: "get-public-key" } : { op: "ping" });
      expect(await conn.next()).toMatchObject({ ok: true });
    }
    conn.destroy();
  });
});
