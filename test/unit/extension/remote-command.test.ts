import { describe, expect, it } from "vitest";
import { NodeError } from "../../../extension/src/node/errors.ts";
import { fingerprintSha256, publicKeyBlob, sameFingerprint } from "../../../extension/src/node/host-key.ts";
import { brokerCommandLine, checkProjectName, classifyFailure, parseAdminResult } from "../../../extension/src/node/remote-command.ts";
import { quoteShellWord as shellQuote } from "#protocol";
import { describeTarget, usesSudo, type NodeTarget } from "../../../extension/src/node/node-target.ts";

const target: NodeTarget = { name: "n1", host: "node.example.test", projectPath: "/home/a/p" };
const run = (code: number | null, stdout = "", stderr = "") => ({ code, signal: undefined, stdout, stderr });

function nodeError(fn: () => unknown): NodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NodeError);
    return e as NodeError;
  }
  throw new Error("expected a NodeError");
}

describe("host key fingerprints", () => {
  it("match ssh-keygen -lf for a known ed25519 key", () => {
    // Vector: `ssh-keygen -lf` printed this fingerprint for this key.
    const blob = publicKeyBlob("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMNaH8eZuvKhabI8Dj5Zll0cfLEPbItQWC3l5pYc9KEF vec");
    expect(blob).toBeDefined();
    expect(fingerprintSha256(blob!)).toBe("SHA256:hop1d6UGwF0W0YaaYwisE52aIVmvrCFqb1YLs2k8g4M");
  });

  it("compares pasted fingerprints with or without prefix and padding, never an empty one", () => {
    expect(sameFingerprint("SHA256:abc", "abc=")).toBe(true);
    expect(sameFingerprint("SHA256:abc", "SHA256:abd")).toBe(false);
    expect(sameFingerprint("SHA256:", "")).toBe(false);
    expect(publicKeyBlob("not a key")).toBeUndefined();
  });
});

describe("brokerCommandLine", () => {
  it("uses sudo -n for non-root users and quotes every word", () => {
    expect(brokerCommandLine({ ...target, user: "alice" }, {}, ["admin", "register", "--project-path", "/srv/my repo's"]))
      .toBe("sudo -n -- remo-broker-admin admin register --project-path '/srv/my repo'\\''s'");
    // Only admin and audit go through the sudo wrapper; a configured broker command is used as given.
    expect(brokerCommandLine({ ...target, user: "alice", brokerCommand: "/opt/rb" }, {}, ["admin", "status"])).toBe("sudo -n -- /opt/rb admin status");
    expect(brokerCommandLine({ ...target, user: "root" }, {}, ["admin", "status"])).toBe("remo-broker admin status");
    expect(brokerCommandLine({ ...target, user: "alice", sudo: false, brokerCommand: "/opt/remo/bin/remo-broker --x" }, {}, ["audit"])).toBe("/opt/remo/bin/remo-broker --x audit");
  });

  it("takes the login user from the environment when the target names none", () => {
    expect(usesSudo(target, { USER: "root" })).toBe(false);
    expect(usesSudo(target, { USER: "bob" })).toBe(true);
    expect(describeTarget({ ...target, user: "bob", port: 2222 })).toBe("bob@node.example.test:2222");
  });

  it("refuses a project name that is not one before it reaches a command line", () => {
    expect(checkProjectName("my-repo_2")).toBe("my-repo_2");
    const e = nodeError(() => checkProjectName("x; rm -rf /"));
    expect(e.message).toBe("\"x; rm -rf /\" is not a valid project name (1–64 lowercase letters, digits, '_' or '-'). Fix [project] name in the manifest.");
  });

  it("quotes shell metacharacters so a value cannot run a command", () => {
    expect(shellQuote("$(touch /tmp/x);`id`")).toBe("'$(touch /tmp/x);`id`'");
    expect(shellQuote("plain-word_1.2/x")).toBe("plain-word_1.2/x");
  });
});

describe("parseAdminResult", () => {
  it("returns the broker's JSON reply on success", () => {
    expect(parseAdminResult(run(0, "{\n  \"ok\": true,\n  \"recipient\": \"age1x\"\n}\n"), "get-public-key", "n1")).toEqual({ ok: true, recipient: "age1x" });
  });

  it("carries the broker's error code and message", () => {
    const e = nodeError(() => parseAdminResult(run(1, JSON.stringify({ ok: false, code: "manifest_not_found", message: "No manifest at /p. Create one." })), "register", "n1"));
    expect(e.code).toBe("broker_error");
    expect(e.brokerCode).toBe("manifest_not_found");
    expect(e.message).toBe("The broker on n1 refused register: No manifest at /p. Create one.");
  });

  it("says how to fix sudo, a missing broker, a stopped broker and a root-only socket", () => {
    const cases: [ReturnType<typeof run>, NodeError["code"], RegExp][] = [
      [run(1, "", "sudo: a password is required\n"), "sudo_required", /passwordless sudo/],
      [run(127, "", "bash: line 1: sudo: command not found\n"), "sudo_required", /sudo is not installed/],
      [run(127, "", "bash: remo-broker: command not found\n"), "broker_missing", /Install Broker on Node/],
      [run(1, "", "sudo: remo-broker: command not found\n"), "broker_missing", /not installed/],
      [run(3, "", "remo-broker admin: cannot connect to /run/remo-broker/admin.sock\n"), "broker_error", /not running on n1/],
      [run(4, "", "permission denied\n"), "sudo_required", /root-only/],
      [run(5, "", ""), "broker_error", /failed on n1 \(exit 5\)\. It printed nothing\./],
    ];
    for (const [result, code, message] of cases) {
      const e = nodeError(() => parseAdminResult(result, "status", "n1"));
      expect(e.code, result.stderr).toBe(code);
      expect(e.message).toMatch(message);
    }
    expect(classifyFailure(run(0), "n1")).toBeUndefined();
  });
});
