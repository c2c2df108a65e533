import { describe, expect, it } from "vitest";
import { expandPreset, presetIds, presets, type PresetId } from "../../../extension/src/secrets/secret-presets.ts";
import { describeSecretSource, parseSecretSources } from "../../../extension/src/secrets/secret-sources.ts";

describe("expandPreset", () => {
  const cases: [PresetId, string, unknown][] = [
    ["1password", "op://Private/GitHub/token", { kind: "command", argv: ["op", "read", "--no-newline", "op://Private/GitHub/token"], firstLine: false }],
    ["1password", "op://Work Vault/My Item/api/credential", { kind: "command", argv: ["op", "read", "--no-newline", "op://Work Vault/My Item/api/credential"], firstLine: false }],
    ["gh", "", { kind: "command", argv: ["gh", "auth", "token"], firstLine: false }],
    ["gh", "github.example.com", { kind: "command", argv: ["gh", "auth", "token", "--hostname", "github.example.com"], firstLine: false }],
    ["pass", "work/github-token", { kind: "command", argv: ["pass", "show", "work/github-token"], firstLine: true }],
    ["fnox", "GITHUB_TOKEN", { kind: "command", argv: ["fnox", "get", "GITHUB_TOKEN"], firstLine: false }],
    ["doppler", "NPM_TOKEN", { kind: "command", argv: ["doppler", "secrets", "get", "NPM_TOKEN", "--plain"], firstLine: false }],
    ["doppler", "web/dev/NPM_TOKEN", { kind: "command", argv: ["doppler", "secrets", "get", "NPM_TOKEN", "--plain", "--project", "web", "--config", "dev"], firstLine: false }],
    ["vault", "secret/myapp#token", { kind: "command", argv: ["vault", "kv", "get", "-field=token", "secret/myapp"], firstLine: false }],
    ["sops", "/home/me/secrets.enc.yaml#github.token", { kind: "command", argv: ["sops", "--decrypt", "--extract", "[\"github\"][\"token\"]", "/home/me/secrets.enc.yaml"], firstLine: false }],
    ["env", "GITHUB_TOKEN", { kind: "env", variable: "GITHUB_TOKEN" }],
  ];
  it.each(cases)("expands %s %j to a fixed argv", (preset, ref, expected) => {
    expect(expandPreset(preset, ref)).toEqual(expected);
  });

  it("trims the reference", () => {
    expect(expandPreset("fnox", "  A_B \t")).toEqual({ kind: "command", argv: ["fnox", "get", "A_B"], firstLine: false });
  });

  const bad: [PresetId, string, string][] = [
    ["1password", "Private/GitHub/token", "is not op://vault/item/field"],
    ["1password", "op://Private", "is not op://vault/item/field"],
    ["gh", "github.com; rm -rf ~", "is not a host name"],
    ["pass", "../../etc/shadow", "\"..\""],
    ["pass", "/etc/passwd", "relative entry path"],
    ["pass", "work/a token", "without spaces"],
    ["fnox", "A B", "is not a secret name"],
    ["doppler", "a/b", "is not NAME or project/config/NAME"],
    ["doppler", "p q/dev/X", "project or config"],
    ["vault", "secret/myapp", "is not path#field"],
    ["vault", "secret/app#field; echo x", "is not path#field"],
    ["vault", "../sys/policy#x", "is not path#field"],
    ["sops", "secrets.yaml#a", "absolute file path"],
    ["sops", "/s.yaml#a\"]; x", "key path"],
    ["sops", "/s.yaml", "absolute file path followed by #key"],
    ["env", "1X", "not an environment variable name"],
    ["env", "$(id)", "not an environment variable name"],
  ];
  it.each(bad)("refuses the %s reference %j with a sentence that names the shape", (preset, ref, says) => {
    const r = expandPreset(preset, ref);
    expect(r).toHaveProperty("problem");
    const problem = (r as { problem: string }).problem;
    expect(problem).toContain(says);
    expect(problem).toContain(`give ${presets[preset].referenceHelp}`);
  });

  it.each(presetIds)("never lets a %s reference start with - (an option to the CLI)", (preset) => {
    for (const ref of ["--help", "-field=x", "-n"]) expect(expandPreset(preset, ref)).toEqual({ problem: expect.stringContaining("starts with \"-\"") as unknown });
  });

  it.each(presetIds)("refuses control characters in a %s reference (a newline would split a line-based config)", (preset) => {
    expect(expandPreset(preset, "a\nb")).toEqual({ problem: expect.stringContaining("control character") as unknown });
    expect(expandPreset(preset, "a\u0000b")).toEqual({ problem: expect.stringContaining("control character") as unknown });
  });

  it("keeps shell metacharacters as literal bytes of one argv element when the tool allows them", () => {
    // 1Password item names may contain quotes, ; and $: they reach `op` as one argument, never a shell.
    const ref = "op://Private/it's; $(rm -rf ~) `x`/password";
    expect(expandPreset("1password", ref)).toEqual({ kind: "command", argv: ["op", "read", "--no-newline", ref], firstLine: false });
  });

  it("shows at most 60 characters of a bad reference", () => {
    const r = expandPreset("fnox", "x".repeat(500)) as { problem: string };
    expect(r.problem).toContain(`"${"x".repeat(57)}..."`);
    expect(r.problem).not.toContain("x".repeat(58));
  });
});

describe("parseSecretSources with presets", () => {
  it("expands preset entries and remembers the preset for prompts", () => {
    const r = parseSecretSources({ GH: { preset: "gh" }, OP: { preset: "1password", reference: "op://P/I/f" }, E: { preset: "env", reference: "HOME_TOKEN" } });
    expect(r.problems).toEqual([]);
    expect(r.sources.get("GH")).toEqual({ kind: "command", argv: ["gh", "auth", "token"], firstLine: false, preset: { id: "gh", reference: "" } });
    expect(r.sources.get("OP")).toEqual({ kind: "command", argv: ["op", "read", "--no-newline", "op://P/I/f"], firstLine: false, preset: { id: "1password", reference: "op://P/I/f" } });
    expect(r.sources.get("E")).toEqual({ kind: "env", variable: "HOME_TOKEN", preset: { id: "env", reference: "HOME_TOKEN" } });
    expect([...r.sources.values()].map(describeSecretSource)).toEqual(["GitHub CLI", "1Password (op://P/I/f)", "environment variable (HOME_TOKEN)"]);
  });

  it("skips bad preset entries with a sentence naming the setting and what to do", () => {
    const r = parseSecretSources({ A: { preset: "lastpass", reference: "x" }, B: { preset: "vault", reference: "nofield" }, C: { preset: "gh", reference: 3 }, D: { preset: "gh", command: ["sh"] } });
    expect(r.sources.size).toBe(0);
    expect(r.problems).toEqual([
      "remo.secretSources.A: \"preset\" must be one of 1password, gh, pass, fnox, doppler, vault, sops, env.",
      `remo.secretSources.B: the HashiCorp Vault reference "nofield" is not path#field (a KV path of letters, digits, _ . - /, then # and the field); give ${presets.vault.referenceHelp}.`,
      `remo.secretSources.C: "reference" must be a string: ${presets.gh.referenceHelp}.`,
      "remo.secretSources.D: a preset entry takes only \"preset\" and \"reference\", not \"command\". Remove them.",
    ]);
  });

  it("describes plain env and command sources", () => {
    expect(describeSecretSource({ kind: "env", variable: "X" })).toBe("environment variable X");
    expect(describeSecretSource({ kind: "command", argv: ["gh", "auth"] })).toBe("command gh");
  });
});
