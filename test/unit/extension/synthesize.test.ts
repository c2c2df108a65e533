import { describe, expect, it } from "vitest";
import { parse } from "jsonc-parser";
import { DevcontainerError, isRemoFeatureId, synthesizeDevcontainer } from "../../../extension/src/devcontainer/synthesize.ts";
import { devcontainerSchemaErrors } from "./devcontainer-schema.ts";

const mount = "source=/run/remo-broker/projects/myrepo,target=/run/remo-broker,type=bind,readonly";
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

  it("prefers package.json over other markers, in the documented marker order", () => {
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
    expect(r.conflicts).toEqual([`mounts[0] already mounts /tmp/x.sock at /run/remo-broker/sock/, but this project's socket directory is /run/remo-broker/projects/myrepo. Change that entry to "${mount}" (or remove it) and synthesize again; it was left as it is.`]);
    expect(parse(r.text)).toMatchObject({ mounts: [{ source: "/tmp/x.sock" }] });
  });

  it("adds the mount to devcontainer.json for compose configs, unless the compose file already mounts the directory", () => {
    const existing = JSON.stringify({ dockerComposeFile: "compose.yml", service: "app", workspaceFolder: "/w" });
    const r = synthesizeDevcontainer({ existing, projectName: "myrepo", markers: [], featureRef: "./remo-secrets" });
    expect(r.conflicts).toEqual([]);
    expect(parse(r.text)).toMatchObject({ mounts: ["source=/run/remo-broker/projects/myrepo,target=/run/remo-broker,type=bind,readonly"] });
    const ok = synthesizeDevcontainer({ existing, projectName: "myrepo", markers: [], featureRef: "./remo-secrets", composeMount: "ours" });
    expect({ conflicts: ok.conflicts, notes: ok.notes.filter((n) => n.includes("compose")) }).toEqual({
      conflicts: [],
      notes: ["The compose service \"app\" already mounts /run/remo-broker/projects/myrepo; nothing added to \"mounts\"."],
    });
    expect(parse(ok.text)).not.toHaveProperty("mounts");
  });

  it("asks compose users to remove an old socket-file volume from the service", () => {
    const existing = JSON.stringify({ dockerComposeFile: "compose.yml", service: "app", workspaceFolder: "/w" });
    const r = synthesizeDevcontainer({ existing, projectName: "myrepo", markers: [], featureRef: "./remo-secrets", composeMount: "legacy" });
    expect(r.conflicts).toEqual(["The compose service \"app\" mounts the old socket file /run/remo-broker/myrepo.sock, which a running container loses when the broker restarts. Remove that line from the service's volumes: (devcontainer.json now mounts the socket directory) and rebuild the container."]);
    expect(parse(r.text)).toMatchObject({ mounts: ["source=/run/remo-broker/projects/myrepo,target=/run/remo-broker,type=bind,readonly"] });
  });

  it("mounts the runtime directory the node's broker uses when it is not the default", () => {
    const r = synthesizeDevcontainer({ existing: "{\"image\":\"i\"}", projectName: "myrepo", markers: [], featureRef: "./remo-secrets", runtimeDir: "/srv/remo/run/" });
    expect(parse(r.text)).toMatchObject({ mounts: ["source=/srv/remo/run/projects/myrepo,target=/run/remo-broker,type=bind,readonly"] });
  });

  it("replaces this project's socket-file mounts in place and reports it", () => {
    const existing = "{\n  \"image\": \"i\",\n  \"mounts\": [\n    \"source=/run/remo-broker/myrepo.sock,target=/run/remo-broker/sock,type=bind\", // old\n    \"source=v,target=/v,type=volume\",\n    { \"source\": \"/run/remo-broker/myrepo.sock\", \"target\": \"/run/remo-broker/sock\", \"type\": \"bind\" }\n  ]\n}\n";
    const r = synthesizeDevcontainer({ existing, projectName: "myrepo", markers: [], featureRef: "./remo-secrets" });
    expect(r.text.split("\n").slice(0, 6)).toEqual([
      "{",
      "  \"image\": \"i\",",
      "  \"mounts\": [",
      "    \"source=/run/remo-broker/projects/myrepo,target=/run/remo-broker,type=bind,readonly\", // old",
      "    \"source=v,target=/v,type=volume\"",
      "  ],",
    ]);
    expect(r.changes[0]).toBe("Replaced the socket-file mount /run/remo-broker/myrepo.sock → /run/remo-broker/sock with the socket directory /run/remo-broker/projects/myrepo at /run/remo-broker: a mounted socket file goes stale when the broker restarts.");
    expect(r.conflicts).toEqual([]);
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
