import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findLeaks, makeSentinel, readTree, snapshotProcesses } from "../helpers/sentinel.ts";
import { encryptBundle, readAudit, requestLines, runCli, startBroker } from "../helpers/broker-process.ts";

// A unique secret value goes through every path we have (push via socket and CLI, gets, denials,
// bad bundles that quote it, wrong keys, restarts); then every log, audit line, error message,
// reply other than the get itself, file in the state dir, and /proc cmdline/environ is scanned.
describe("a secret value never leaks", () => {
  it("is absent from the audit file, stdout/stderr, error messages, state files and process listings", async () => {
    const sentinel = makeSentinel();
    const broker = await startBroker();
    const sources: Record<string, string> = {};
    const collect = (label: string, v: unknown): void => { sources[label] = typeof v === "string" ? v : JSON.stringify(v); };
    try {
      const { socketPath } = await broker.registerProject("leaky", { allowlist: ["TOKEN", "EMPTY"] });
      collect("push", await broker.pushSecrets({ TOKEN: sentinel, OTHER: sentinel }));
      const [ok] = await requestLines(socketPath, [JSON.stringify({ op: "get", name: "TOKEN" })]);
      expect(ok).toMatchObject({ value: sentinel });
      collect("denied", await requestLines(socketPath, [JSON.stringify({ op: "get", name: "OTHER" }), JSON.stringify({ op: "get", name: "EMPTY" }), JSON.stringify({ op: "get", name: sentinel.slice(0, 20) + "-x" })]));

      // Bad bundles whose text holds the value: the errors must not quote it.
      const { Encrypter } = await import("age-encryption");
      for (const [i, plaintext] of [`bad-name = "${sentinel}"\n`, `TOKEN = "${sentinel}\n`, `TOKEN = ${sentinel}\n`, `[t]\nTOKEN = "${sentinel}"\n`, `TOKEN = ["${sentinel}"]\n`].entries()) {
        const e = new Encrypter();
        e.addRecipient(broker.recipient);
        const reply = await broker.admin({ op: "push-creds", ciphertext_b64: Buffer.from(await e.encrypt(plaintext)).toString("base64") });
        expect(reply, plaintext.replace(sentinel, "<sentinel>")).toMatchObject({ ok: false, code: "invalid_payload" });
        collect(`bad-bundle-${i}`, reply);
      }
      // Through the CLI (stdin only: never in argv), including a wrong-key push.
      const ct = execFileSync("age", ["-r", broker.recipient], { input: `TOKEN = "${sentinel}"\n` });
      const cli = await runCli(["admin", "--runtime-dir", broker.runtimeDir, "push-creds"], { input: ct });
      expect(cli.code).toBe(0);
      collect("cli-push", cli.stdout + cli.stderr);
      const otherKey = execFileSync("age-keygen").toString().split("\n").find((l) => l.startsWith("# public key: "))!.slice(14);
      const wrong = await runCli(["admin", "--runtime-dir", broker.runtimeDir, "push-creds"], { input: Buffer.from(await encryptBundle(otherKey, { TOKEN: sentinel })) });
      expect(wrong.code).toBe(1);
      collect("cli-wrong-key", wrong.stdout + wrong.stderr);
      for (const op of ["status", "audit"]) {
        const r = await runCli(["admin", "--runtime-dir", broker.runtimeDir, op]);
        collect(`cli-${op}`, r.stdout + r.stderr);
      }
      const auditCli = await runCli(["audit", "--audit-file", broker.auditFile, "--json"]);
      collect("audit-cli", auditCli.stdout + auditCli.stderr);
      // While it runs, no process lists the value in its argv or environment.
      Object.assign(sources, snapshotProcesses());
      await broker.stop();
      await broker.restart();
      expect((await requestLines(socketPath, [JSON.stringify({ op: "get", name: "TOKEN" })]))[0]).toMatchObject({ value: sentinel });
      await readAudit(broker.auditFile, (rs) => rs.filter((r) => r.event === "broker.start").length === 2);
    } finally {
      await broker.stop();
    }
    Object.assign(sources, readTree(broker.stateDir), readTree(broker.runtimeDir), { "audit.jsonl": (await readAudit(broker.auditFile)).map((r) => JSON.stringify(r)).join("\n"), "broker output": broker.output() });
    expect(sources["broker output"]!.length).toBeGreaterThan(0);
    expect(sources["audit.jsonl"]).toContain("secret.get");
    expect(findLeaks(sentinel, sources)).toEqual([]);
  });
});
