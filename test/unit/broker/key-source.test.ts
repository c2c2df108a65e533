import { describe, expect, it } from "vitest";
import { checkKeyFileMode, checkKeyFileStat, keySourceNote, parseIdentityText, resolveKeyLocation } from "../../../broker/src/secrets/key-source.ts";

const key = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";

describe("checkKeyFileMode", () => {
  it.each([0o600, 0o400, 0o700])("accepts mode %o", (mode) => {
    expect(checkKeyFileMode("/k", mode | 0o100000)).toBeUndefined();
  });
  it.each([[0o640, "0640"], [0o604, "0604"], [0o644, "0644"], [0o660, "0660"]])("refuses mode %o with the chmod to run", (mode, shown) => {
    const err = checkKeyFileMode("/etc/remo key", mode | 0o100000);
    expect(err?.code).toBe("key_insecure");
    expect(err?.message).toBe(`The key file /etc/remo key has mode ${shown}: group or others can read it, so the broker refuses to use it. Run: chmod 600 '/etc/remo key'`);
  });
});

describe("checkKeyFileStat", () => {
  const file = (over: Partial<{ file: boolean; uid: number; mode: number }> = {}) => ({ isFile: () => over.file ?? true, uid: over.uid ?? 0, mode: over.mode ?? 0o100600 });
  it("accepts a 0600 regular file owned by root or the broker's user", () => {
    expect(checkKeyFileStat("/k", file(), 998, true)).toBeUndefined();
    expect(checkKeyFileStat("/k", file({ uid: 998 }), 998, true)).toBeUndefined();
  });
  it("refuses another owner, a non-file, and (for the file tier) group/world bits", () => {
    expect(checkKeyFileStat("/k", file({ uid: 1000 }), 998, true)?.message).toContain("owned by UID 1000, neither root nor the broker's user");
    expect(checkKeyFileStat("/k", file({ file: false }), 0, true)?.code).toBe("key_insecure");
    expect(checkKeyFileStat("/k", file({ mode: 0o100640 }), 0, true)?.code).toBe("key_insecure");
    expect(checkKeyFileStat("/k", file({ mode: 0o100640 }), 0, false)).toBeUndefined();
  });
});

describe("parseIdentityText", () => {
  it("reads the identity line of an age-keygen file, ignoring comments", () => {
    expect(parseIdentityText(`# created: 2026-01-01\n# public key: age1xyz\n${key}\n`, "/k")).toBe(key);
  });
  it.each([["empty", ""], ["garbage", "hello\n"], ["two keys", `${key}\n${key}\n`], ["ssh key", "-----BEGIN OPENSSH PRIVATE KEY-----\n"]])("refuses %s with a keygen hint and no key material", (_, text) => {
    expect(() => parseIdentityText(text, "/k")).toThrow(/remo-broker keygen --out \/k/);
    try {
      parseIdentityText(text, "/k");
    } catch (e) {
      expect((e as Error).message).not.toContain("AGE-SECRET-KEY-1Q");
    }
  });
});

describe("resolveKeyLocation", () => {
  const none = (): boolean => false;
  const all = (): boolean => true;
  it("prefers --identity (a file: plaintext, mode-checked)", () => {
    expect(resolveKeyLocation({ identityFlag: "/x", credentialsDirectory: "/c", stateDir: "/s" }, all)).toEqual({ path: "/x", source: "plaintext", checkMode: true, tried: ["/x"] });
  });
  it("uses $CREDENTIALS_DIRECTORY/secrets-key with the sealing install.sh declared", () => {
    expect(resolveKeyLocation({ credentialsDirectory: "/c", declaredSource: "tpm2", stateDir: "/s" }, all)).toMatchObject({ path: "/c/secrets-key", source: "tpm2", checkMode: false });
    expect(resolveKeyLocation({ credentialsDirectory: "/c", declaredSource: "host-key", stateDir: "/s" }, all)).toMatchObject({ source: "host-key" });
    // An unknown or missing declaration is not trusted to mean "sealed".
    expect(resolveKeyLocation({ credentialsDirectory: "/c", declaredSource: "magic", stateDir: "/s" }, all)).toMatchObject({ source: "plaintext" });
  });
  it("falls back to <state-dir>/secrets-key and lists what it tried", () => {
    expect(resolveKeyLocation({ credentialsDirectory: "/c", stateDir: "/s" }, none)).toEqual({ path: "/s/secrets-key", source: "plaintext", checkMode: true, tried: ["/c/secrets-key", "/s/secrets-key"] });
  });
});

describe("keySourceNote", () => {
  it("says the host key does not protect a stolen disk image", () => {
    expect(keySourceNote("host-key")).toContain("not against a stolen disk image");
    expect(keySourceNote("tpm2")).toContain("TPM2");
    expect(keySourceNote("plaintext")).toContain("systemd-creds");
  });
});
