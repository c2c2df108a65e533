import { describe, expect, it } from "vitest";
import { parseArgs } from "../../../devcontainer-feature/client/src/args.ts";
import { awsCredentialJson, awsSecretNames } from "../../../devcontainer-feature/client/src/aws-credential.ts";
import { credHelperKey, dockerSecretName, loginConfig, registryHost, splitDockerCredential } from "../../../devcontainer-feature/client/src/docker-credential.ts";
import { renderDotenv, renderEnv } from "../../../devcontainer-feature/client/src/env-format.ts";
import type { SecretValue } from "../../../devcontainer-feature/client/src/secrets.ts";
import { parseDotenv } from "../../../extension/src/secrets/dotenv-parse.ts";

const value = (name: string, text: string): SecretValue => ({ name, text, bytes: Buffer.from(text) });

describe("registryHost", () => {
  it.each([
    ["ghcr.io", "ghcr.io"],
    ["https://ghcr.io", "ghcr.io"],
    ["https://GHCR.io/v2/", "ghcr.io"],
    ["registry.example.com:5000", "registry.example.com:5000"],
    ["https://index.docker.io/v1/", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
  ])("reads %j as %j", (url, host) => {
    expect(registryHost(url)).toBe(host);
  });

  it.each(["", "https://", "a b", "-x.io", "host:port", "ghcr.io;id"])("refuses %j", (url) => {
    expect(registryHost(url)).toBeNull();
  });
});

describe("dockerSecretName", () => {
  it("upper-cases the host and turns every non-alphanumeric into _", () => {
    expect(dockerSecretName("ghcr.io")).toBe("DOCKER_AUTH_GHCR_IO");
    expect(dockerSecretName("my-registry.example.com:5000")).toBe("DOCKER_AUTH_MY_REGISTRY_EXAMPLE_COM_5000");
    expect(dockerSecretName("docker.io")).toBe("DOCKER_AUTH_DOCKER_IO");
  });
});

describe("splitDockerCredential", () => {
  it("splits user:token at the first colon and gives a bare token the default user", () => {
    expect(splitDockerCredential("octo:ghp_a:b")).toEqual({ username: "octo", secret: "ghp_a:b" });
    expect(splitDockerCredential("ghp_abc")).toEqual({ username: "x-access-token", secret: "ghp_abc" });
    expect(splitDockerCredential(":abc")).toEqual({ username: "x-access-token", secret: ":abc" });
  });
});

describe("loginConfig", () => {
  it("maps each registry to the remo helper, Docker Hub by docker's own key", () => {
    expect(loginConfig(["ghcr.io", "https://index.docker.io/v1/", "Reg.example.com:5000"])).toEqual({
      credHelpers: { "ghcr.io": "remo", "https://index.docker.io/v1/": "remo", "reg.example.com:5000": "remo" },
    });
    expect(credHelperKey("docker.io")).toBe("https://index.docker.io/v1/");
  });

  it("refuses something that is not a registry host, saying what one looks like", () => {
    expect(() => loginConfig(["ghcr.io", "not a host"])).toThrow("\"not a host\" is not a registry host such as ghcr.io or registry.example.com:5000: run 'remo-secrets --help' for usage");
  });
});

describe("awsSecretNames / awsCredentialJson", () => {
  it("uses AWS_… for the default profile and AWS_<PROFILE>_… for a named one", () => {
    expect(awsSecretNames(undefined)).toEqual({ accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY", sessionToken: "AWS_SESSION_TOKEN" });
    expect(awsSecretNames("prod-eu.1")).toEqual({ accessKeyId: "AWS_PROD_EU_1_ACCESS_KEY_ID", secretAccessKey: "AWS_PROD_EU_1_SECRET_ACCESS_KEY", sessionToken: "AWS_PROD_EU_1_SESSION_TOKEN" });
  });

  it("prints Version 1 and a SessionToken only when there is one", () => {
    expect(awsCredentialJson({ accessKeyId: "AKIA", secretAccessKey: "s" })).toEqual({ Version: 1, AccessKeyId: "AKIA", SecretAccessKey: "s" });
    expect(awsCredentialJson({ accessKeyId: "A", secretAccessKey: "s", sessionToken: "t" })).toEqual({ Version: 1, AccessKeyId: "A", SecretAccessKey: "s", SessionToken: "t" });
  });
});

describe("renderEnv", () => {
  const values = [value("PLAIN", "ghp_abc-1.2/3:4@x"), value("SPACED", "a b $HOME \"q\" \\"), value("MULTI", "l1\nit's"), value("EMPTY", "")];

  it("renders dotenv bare, single-quoted or double-quoted with escapes", () => {
    expect(renderDotenv(values)).toBe("PLAIN=ghp_abc-1.2/3:4@x\nSPACED='a b $HOME \"q\" \\'\nMULTI=\"l1\\nit's\"\nEMPTY=\n");
  });

  it("renders dotenv that a strict dotenv reader reads back to the same values", () => {
    const back = parseDotenv(renderDotenv(values.slice(0, 3)));
    expect(back.problems).toEqual([]);
    expect(back.entries.map((e) => [e.name, e.value])).toEqual(values.slice(0, 3).map((v) => [v.name, v.text]));
  });

  it("renders shell exports and JSON", () => {
    expect(renderEnv([value("A", "it's")], "shell")).toBe("export A='it'\\''s'\n");
    expect(renderEnv([value("A", "x\ny")], "json")).toBe("{\"A\":\"x\\ny\"}\n");
  });
});

describe("parseArgs for the new commands", () => {
  it("reads env --format, the credential helpers and their options", () => {
    expect(parseArgs(["env", "--format", "dotenv", "A"]).command).toEqual({ kind: "env", names: ["A"], skipUnavailable: false, format: "dotenv" });
    expect(parseArgs(["env", "--format=json"]).command).toEqual({ kind: "env", names: [], skipUnavailable: false, format: "json" });
    expect(parseArgs(["docker-credential", "get"]).command).toEqual({ kind: "docker-credential", action: "get" });
    expect(parseArgs(["docker-login-config", "--registries", "ghcr.io, quay.io"]).command).toEqual({ kind: "docker-login-config", registries: ["ghcr.io", "quay.io"] });
    expect(parseArgs(["aws-credential-process", "--profile=dev"]).command).toEqual({ kind: "aws-credential-process", profile: "dev" });
    expect(parseArgs(["aws-credential-process"]).command).toEqual({ kind: "aws-credential-process", profile: undefined });
  });

  it.each([
    [["env", "--format", "yaml"], "--format takes shell, dotenv, json, not \"yaml\""],
    [["env", "--format"], "--format needs a value"],
    [["env", "--format", "json", "--format=shell"], "--format given twice"],
    [["aws-credential-process", "--profile"], "--profile needs a value"],
    [["aws-credential-process", "extra"], "aws-credential-process takes only --profile, not extra"],
    [["docker-credential", "get", "x"], "docker-credential takes one action: get, list, store or erase"],
  ])("refuses %j", (argv, detail) => {
    expect(() => parseArgs(argv)).toThrow(`${detail}: run 'remo-secrets --help' for usage`);
  });
});
