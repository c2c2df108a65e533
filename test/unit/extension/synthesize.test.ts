import { describe, expect, it } from "vitest";
import { parse } from "jsonc-parser";
import { DevcontainerError, isRemoFeatureId, synthesizeDevcontainer } from "../../../extension/src/devcontainer/synthesize.ts";
import { devcontainerSchemaErrors } from "./devcontainer-schema.ts";

const mount = "source=/run/remo-broker/myrepo.sock,target=/run/remo-broker/sock,type=bind";
const create = (markers: string[], featureRef = "./remo-secrets") => synthesizeDevcontainer({ projectName: "myrepo", markers, featureRef });

describe("synthesizeDevcontainer (new file)", () => {
  const cases: [string[], string, boolean][] = [
    [["package.json", "README.md"], "mcr.microsoft.com/devcontainers/javascript-node:20", false],
    [["pyproject.toml"], "mcr.microsoft.com/devcontainers/python:3", true],
    [["requirements.txt"], "mcr.microsoft.com/devcontainers/python:3", true],
    [["Cargo.toml"], "mcr.microsoft.com/devcontainers/rust:1", true],
    [["go.mod"], "mcr.microsoft.com/devcontainers/go:1", true],
    [["Gemfile"], "mcr.microsoft.com/devcontainers/ruby:3", true],
    [[], "mcr.microsoft.com/devcontainers/base:bookworm", true],
  ];
  for (const [markers, image, needsNode] of cases) {
    it(`creates a ${image} config with the feature and mount when the markers are [${markers.join(", ")}]`, () => {
      const r = create(markers);
      expect(r.created).toBe(true);
      expect(r.conflicts).toEqual([]);
      const features: Record<string, object> = needsNode ? { "ghcr.io/devcontainers/features/node:1": {}, "./remo-secrets": {} } : { "./remo-secrets": {} };
      expect(parse(r.text)).toEqual({
        name: "myrepo",
        image,
        features,
        mounts: [mount],
        containerEnv: { REMO_BROKER_SOCKET: "/run/remo-broker/sock" },
      });
      expect(devcontainerSchemaErrors(r.text)).toEqual([]);
      expect(r.changes[0]).toContain(image);
    });
  }

  it("prefers package.json over other markers, in DESIGN §6 order", () => {
    expect(parse(create(["go.mod", "package.json"]).text)).toMatchObject({ image: "mcr.microsoft.com/devcontainers/javascript-node:20" });
  });

  it("references a published feature id when one is given", () => {
    const r = create(["package.json"], "ghcr.io/acme/features/remo-secrets:1");
    expect(parse(r.text)).toMatchObject({ features: { "ghcr.io/acme/features/remo-secrets:1": {} } });
  });

  it("treats a blank existing file as missing", () => {
    expect(synthesizeDevcontainer({ existing: "  \n", projectName: "myrepo", markers: [], featureRef: "./remo-secrets" }).created).toBe(true);
  });

  it("is idempotent on its own output", () => {
    const first = create(["Cargo.toml"]);
    const again = synthesizeDevcontainer({ existing: first.text, projectName: "myrepo", markers: ["Cargo.toml"], featureRef: "./remo-secrets" });
    expect(again.text).toBe(first.text);
    expect(again.changes).toEqual([]);
  });
});

describe("synthesizeDevcontainer (errors and reports)", () => {
  it("refuses a file that does not parse, saying where, and changes nothing", () => {
    const existing = "{\n  \"image\": \"x\"\n  \"mounts\": []\n}";
    expect(() => synthesizeDevcontainer({ existing, projectName: "myrepo", markers: [], featureRef: "./remo-secrets" }))
      .toThrow(new DevcontainerError("invalid_jsonc", "devcontainer.json does not parse (CommaExpected at line 3, column 3). Fix it and synthesize again; nothing was changed."));
  });

  it("refuses a file whose top level is not an object", () => {
    expect(() => synthesizeDevcontainer({ existing: "[]", projectName: "myrepo", markers: [], featureRef: "./remo-secrets" }))
      .toThrow(/must hold one JSON object/);
  });

  it("refuses an invalid project name with a suggested folder name", () => {
    try {
      synthesizeDevcontainer({ projectName: "My Repo", markers: [], featureRef: "./remo-secrets" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DevcontainerError);
      expect((e as DevcontainerError).code).toBe("bad_project_name");
      expect((e as DevcontainerError).message).toContain("\"my-repo\"");
    }
  });

  it("reports a conflicting mount with what to write instead, and leaves it", () => {
    const existing = JSON.stringify({ image: "i", mounts: [{ type: "bind", source: "/tmp/x.sock", target: "/run/remo-broker/sock/" }] });
    const r = synthesizeDevcontainer({ existing, projectName: "myrepo", markers: [], featureRef: "./remo-secrets" });
    expect(r.conflicts).toEqual([`mounts[0] already mounts /tmp/x.sock at /run/remo-broker/sock, but this project's socket is /run/remo-broker/myrepo.sock. Change that entry to "${mount}" (or remove it) and synthesize again; it was left as it is.`]);
    expect(parse(r.text)).toMatchObject({ mounts: [{ source: "/tmp/x.sock" }] });
  });

  it("tells compose users to mount the socket in their service, unless the compose file already does", () => {
    const existing = JSON.stringify({ dockerComposeFile: "compose.yml", service: "app", workspaceFolder: "/w" });
    const r = synthesizeDevcontainer({ existing, projectName: "myrepo", markers: [], featureRef: "./remo-secrets" });
    expect(r.conflicts).toEqual(["This configuration uses Docker Compose, so the broker socket must be mounted by the compose service \"app\", not by devcontainer.json. Add \"- /run/remo-broker/myrepo.sock:/run/remo-broker/sock\" under that service's volumes: and synthesize again."]);
    expect(parse(r.text)).not.toHaveProperty("mounts");
    const ok = synthesizeDevcontainer({ existing, projectName: "myrepo", markers: [], featureRef: "./remo-secrets", composeHasMount: true });
    expect(ok.conflicts).toEqual([]);
  });

  it("reports a mounts value that is not an array", () => {
    const r = synthesizeDevcontainer({ existing: "{\"image\":\"i\",\"mounts\":\"x\"}", projectName: "myrepo", markers: [], featureRef: "./remo-secrets" });
    expect(r.conflicts[0]).toMatch(/"mounts" is not an array/);
  });

  it("notes that the client needs Node when nothing provides it", () => {
    const r = synthesizeDevcontainer({ existing: "{\"image\":\"mcr.microsoft.com/devcontainers/python:3\"}", projectName: "myrepo", markers: [], featureRef: "./remo-secrets" });
    expect(r.notes).toEqual(["The remo-secrets client needs Node.js 20 or later in the container. If the image lacks it, add the feature \"ghcr.io/devcontainers/features/node:1\"."]);
  });
});

describe("isRemoFeatureId", () => {
  it("recognises local and published ids in any version", () => {
    for (const id of ["./remo-secrets", "../feature/remo-secrets", "ghcr.io/acme/features/remo-secrets:1", "ghcr.io/acme/remo-secrets@sha256:abcdef", "ghcr.io/acme/remo-secrets"]) {
      expect(isRemoFeatureId(id), id).toBe(true);
    }
    for (const id of ["ghcr.io/devcontainers/features/node:1", "./remo-secrets-extra", "remo"]) expect(isRemoFeatureId(id), id).toBe(false);
  });
});
