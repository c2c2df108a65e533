import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { clientBin, runClient, startFakePeer, type ClientRun } from "./client-helpers.ts";

// The client against the real broker over its real project socket: every command.
const token = makeSentinel("GHTOKEN");
const awkward = `npm-${makeSentinel("NPM")} it's "quoted" $HOME \`id\` \\ ; & | * ?\nsecond line\ttab`;
const apiKey = makeSentinel("APIKEY");
const digitName = makeSentinel("DIGIT");
const allowlist = ["GITHUB_TOKEN", "NPM_TOKEN", "API_KEY", "NOT_PUSHED", "9LIVES"];

let broker: BrokerHandle;
let socket: string;
const tmp = makeTempDir("remo-client-cmds-");
const runs: ClientRun[] = [];

async function client(args: string[], opts: Parameters<typeof runClient>[1] = {}): Promise<ClientRun> {
  const r = await runClient(args, { socket, ...opts });
  runs.push(r);
  return r;
}

/** Runs a shell script with the client on hand as $CLIENT. */
function sh(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", script], { env: { PATH: process.env.PATH, REMO_BROKER_SOCKET: socket, CLIENT: `${process.execPath} ${clientBin}` }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("error", reject);
    child.on("close", (code) => { resolve({ code, stdout, stderr }); });
  });
}

beforeAll(async () => {
  broker = await startBroker();
  socket = (await broker.registerProject("demo", { allowlist })).socketPath;
  const pushed = await broker.pushSecrets({ "GITHUB_TOKEN": token, "NPM_TOKEN": awkward, "API_KEY": apiKey, "9LIVES": digitName });
  expect(pushed.ok).toBe(true);
});

afterAll(async () => {
  // No value in any stderr, any argv, the broker's output or its audit file.
  const sources: Record<string, string> = { "broker output": broker.output(), "audit": readFileSync(broker.auditFile, "utf8") };
  for (const [i, r] of runs.entries()) {
    sources[`run ${i} stderr`] = r.stderr;
    sources[`run ${i} argv`] = r.argv.join(" ");
  }
  const leaks = [token, apiKey, awkward.split("\n")[0] ?? awkward].flatMap((s) => findLeaks(s, sources));
  await broker.stop();
  rmSync(broker.dir, { recursive: true, force: true });
  tmp.cleanup();
  expect(leaks).toEqual([]);
});

describe("remo-secrets ping / info", () => {
  it("ping reports broker, protocol 2 and project", async () => {
    const r = await client(["ping"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^ok: broker \S+, protocol 2, project demo\n$/);
    const j = await client(["ping", "--json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, protocol_version: 2, project: "demo" });
  });

  it("info lists the allowlist by name", async () => {
    const r = await client(["info"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`project: demo\nallowlist (5): ${allowlist.join(", ")}\n`);
    const j = await client(["--json", "info"]);
    expect(JSON.parse(j.stdout)).toEqual({ project: "demo", allowlist, schema_version: 1 });
  });

  it("--socket overrides REMO_BROKER_SOCKET", async () => {
    const r = await runClient(["--socket", socket, "ping"], { env: { REMO_BROKER_SOCKET: "/nonexistent/dir/sock" } });
    expect(r.code).toBe(0);
  });
});

describe("remo-secrets get", () => {
  it("prints exactly the value and nothing else when stdout is not a terminal", async () => {
    const r = await client(["get", "GITHUB_TOKEN"]);
    expect(r).toMatchObject({ code: 0, stdout: token, stderr: "" });
    const awk = await client(["get", "NPM_TOKEN"]);
    expect(awk.stdout).toBe(awkward);
  });

  it("adds a newline only when stdout is a terminal", async () => {
    // util-linux `script` gives the client a pseudo-terminal; the tty turns \n into \r\n.
    const r = await sh(`script -qec "$CLIENT get API_KEY" /dev/null`);
    expect(r.stdout).toBe(`${apiKey}\r\n`);
  });

  it("writes a non-UTF-8 value (value_b64) as raw bytes, and as value_b64 in --json", async () => {
    const path = join(tmp.path, "b64.sock");
    const peer = await startFakePeer(path, (line) => (line.includes("ping")
      ? JSON.stringify({ ok: true, broker_version: "x", protocol_version: 2, project: "demo" }) + "\n"
      : JSON.stringify({ ok: true, value_b64: Buffer.from([0xff, 0x00, 0x41]).toString("base64"), ttl_seconds: 1 }) + "\n"));
    try {
      const raw = await new Promise<Buffer>((resolve, reject) => {
        const child = spawn(process.execPath, [clientBin, "get", "BIN"], { env: { PATH: process.env.PATH, REMO_BROKER_SOCKET: path }, stdio: ["ignore", "pipe", "inherit"] });
        const chunks: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => chunks.push(d));
        child.on("error", reject);
        child.on("close", () => { resolve(Buffer.concat(chunks)); });
      });
      expect([...raw]).toEqual([0xff, 0x00, 0x41]);
      const j = await client(["get", "--json", "BIN"], { socket: path });
      expect(JSON.parse(j.stdout)).toEqual({ name: "BIN", value_b64: "/wBB" });
      const e = await client(["env", "BIN"], { socket: path });
      expect(e.code).toBe(9);
      expect(e.stderr).toBe("remo-secrets: the value of \"BIN\" is not UTF-8 text, so it cannot be an environment variable: use 'remo-secrets get' to read it as raw bytes\n");
    } finally {
      await peer.close();
    }
  });

  it("--json wraps name and value", async () => {
    const r = await client(["get", "--json", "API_KEY"]);
    expect(JSON.parse(r.stdout)).toEqual({ name: "API_KEY", value: apiKey });
  });

  it("works inside $(…) in sh", async () => {
    const r = await sh("v=\"$($CLIENT get GITHUB_TOKEN)\"; [ \"$v\" = \"$EXPECTED\" ] && echo same || echo differ".replace("$EXPECTED", token));
    expect(r.stdout).toBe("same\n");
  });
});

describe("remo-secrets env", () => {
  it("prints export lines that sh evaluates back to the exact values", async () => {
    const r = await sh("eval \"$($CLIENT env GITHUB_TOKEN NPM_TOKEN)\" && printf \"%s\" \"$NPM_TOKEN\" && printf \"|%s\" \"$GITHUB_TOKEN\"");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${awkward}|${token}`);
  });

  it("exports every pushed secret by default and names the unavailable ones on stderr", async () => {
    const r = await client(["env"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l !== "").map((l) => /^export ([A-Za-z0-9_]+)=/.exec(l)?.[1] ?? (l.startsWith("second") ? "(continued)" : l))).toEqual(["GITHUB_TOKEN", "NPM_TOKEN", "(continued)", "API_KEY"]);
    expect(r.stderr).toContain("skipped 9LIVES: it has a name sh cannot use as a variable");
    expect(r.stderr).toContain("1 of 5 secrets unavailable (NOT_PUSHED)");
    expect(r.stderr).toContain("Remo: Push Secrets");
  });

  it("--json gives a name → value object", async () => {
    const r = await client(["env", "--json", "API_KEY", "9LIVES"]);
    expect(JSON.parse(r.stdout)).toEqual({ "API_KEY": apiKey, "9LIVES": digitName });
  });

  it("--skip-unavailable exports the named secrets it can and names the rest on stderr", async () => {
    const r = await client(["env", "--skip-unavailable", "API_KEY", "NOT_PUSHED"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`export API_KEY='${apiKey}'\n`);
    expect(r.stderr).toContain("1 of 2 secrets unavailable (NOT_PUSHED)");
  });

  it("fails for an explicitly named secret that was never pushed", async () => {
    const r = await client(["env", "GITHUB_TOKEN", "NOT_PUSHED"]);
    expect(r).toMatchObject({ code: 4, stdout: "" });
    expect(r.stderr).toBe("remo-secrets: no value for \"NOT_PUSHED\" has been pushed yet: run 'Remo: Push Secrets' in VS Code on your laptop\n");
  });
});

describe("remo-secrets exec", () => {
  it("puts the secrets in the child's environment only", async () => {
    const r = await client(["exec", "--", "sh", "-c", "printf \"%s|%s\" \"$GITHUB_TOKEN\" \"$API_KEY\""]);
    expect(r).toMatchObject({ code: 0, stdout: `${token}|${apiKey}` });
  });

  it("--only limits which secrets the child gets", async () => {
    const r = await client(["exec", "--only", "API_KEY", "--", "sh", "-c", "printf \"%s|%s\" \"${GITHUB_TOKEN:-unset}\" \"$API_KEY\""]);
    expect(r.stdout).toBe(`unset|${apiKey}`);
  });

  it("passes the child's exit status through", async () => {
    expect((await client(["exec", "--", "sh", "-c", "exit 42"])).code).toBe(42);
    expect((await client(["exec", "--", "true"])).code).toBe(0);
    expect((await client(["exec", "--", "sh", "-c", "kill -TERM $$"])).code).toBe(143);
  });

  it("reports a command that does not exist with status 127", async () => {
    const r = await client(["exec", "--", "no-such-command-remo"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain("cannot run \"no-such-command-remo\" (ENOENT): check that it is installed and on PATH");
  });

  it("--mask replaces values in stdout and stderr, even written one byte at a time", async () => {
    // The child writes each secret byte by byte with pauses, so it crosses many chunk boundaries.
    const script = `
      const out = (s, stream) => new Promise((res) => { let i = 0; const step = () => { if (i === s.length) return res(); stream.write(s[i++]); setTimeout(step, 1); }; step(); });
      (async () => {
        await out("token=" + process.env.GITHUB_TOKEN + " end\\n", process.stdout);
        await out("key=" + process.env.API_KEY + "\\n", process.stderr);
        process.stdout.write(process.env.NPM_TOKEN + "\\n");
      })();`;
    const r = await client(["exec", "--mask", "--only", "GITHUB_TOKEN,API_KEY,NPM_TOKEN", "--", process.execPath, "-e", script]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("token=*** end\n***\n");
    expect(r.stderr).toBe("key=***\n");
  });
});

describe("remo-secrets status", () => {
  it("summarises socket, protocol, project and N of M available", async () => {
    const r = await client(["status"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(new RegExp(`^socket: {3}${socket.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(reachable\\)\nprotocol: 2 \\(broker \\S+\\)\nproject: {2}demo\nsecrets: {2}4 of 5 available\n {2}NOT_PUSHED: not pushed yet`));
  });

  it("--brief prints one line without values", async () => {
    const r = await client(["status", "--brief"]);
    expect(r.stdout).toBe("remo-secrets: project demo, 4 of 5 secrets available (missing: NOT_PUSHED: run 'Remo: Push Secrets' in VS Code on your laptop)\n");
  });

  it("--json is machine-readable", async () => {
    const r = await client(["status", "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ reachable: true, socket, protocol_version: 2, project: "demo", allowlist_size: 5, available: 4, missing: [{ name: "NOT_PUSHED", code: "not_found" }] });
  });
});
