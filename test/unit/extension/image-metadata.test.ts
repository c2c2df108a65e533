import { describe, expect, it } from "vitest";
import { parse } from "jsonc-parser";
import { featureIdsFromLabelsJson, labelFeatureIds, remoFeatureInImage } from "../../../extension/src/devcontainer/image-metadata.ts";
import { synthesizeDevcontainer } from "../../../extension/src/devcontainer/synthesize.ts";
import { inspectArgs, inspectCommandLine, lookupFromResult, unusableImageRef } from "../../../extension/src/devcontainer/image-inspect.ts";
import { imageLookupRoute } from "../../../extension/src/devcontainer/image-lookup-route.ts";

// `podman image inspect --format '{{json .Config.Labels}}'` of an image `devcontainer build
// --image-name` made from a synthesized config (the container suite's prebuilt image; only the
// broker's runtime directory in the second entry was changed to the default).
const realLabels = String.raw`{"devcontainer.metadata":"[ {\"id\":\"./remo-secrets\",\"postStartCommand\":\"/usr/local/bin/remo-secrets-startup\",\"mounts\":[{\"type\":\"bind\",\"source\":\"/run/remo-broker/projects/$` + String.raw`{localWorkspaceFolderBasename}\",\"target\":\"/run/remo-broker\"}]}, {\"mounts\":[\"source=/run/remo-broker/projects/prebuilt-cfg,target=/run/remo-broker,type=bind,readonly\"]} ]","io.buildah.version":"1.28.2"}`;

describe("the devcontainer.metadata label", () => {
  it("records the feature ids of a label the CLI wrote", () => {
    expect(featureIdsFromLabelsJson(realLabels)).toEqual(["./remo-secrets"]);
  });

  it("reads an array of entries, a single object, and ids of published features with a version or digest", () => {
    const published = [
      { id: "ghcr.io/devcontainers/features/common-utils:2", onCreateCommand: "x" },
      { id: "ghcr.io/acme/features/remo-secrets:1", postStartCommand: "/usr/local/bin/remo-secrets-startup" },
      { remoteUser: "vscode" },
    ];
    expect(labelFeatureIds(JSON.stringify(published))).toEqual(["ghcr.io/devcontainers/features/common-utils:2", "ghcr.io/acme/features/remo-secrets:1"]);
    expect(labelFeatureIds(JSON.stringify({ id: "ghcr.io/acme/remo-secrets@sha256:0123abcd" }))).toEqual(["ghcr.io/acme/remo-secrets@sha256:0123abcd"]);
    for (const id of ["./remo-secrets", "ghcr.io/acme/features/remo-secrets:1", "ghcr.io/acme/remo-secrets@sha256:0123abcd", "ghcr.io/acme/features/remo-secrets"]) {
      expect(remoFeatureInImage({ ref: "i", featureIds: ["ghcr.io/devcontainers/features/node:1", id] }), id).toBe(id);
    }
    expect(remoFeatureInImage({ ref: "i", featureIds: ["ghcr.io/devcontainers/features/node:1", "./remo-secrets-extra"] })).toBeUndefined();
  });

  it("records nothing for an image without labels, without the label, or with one that is not metadata", () => {
    expect(featureIdsFromLabelsJson("null\n")).toEqual([]);
    expect(featureIdsFromLabelsJson(JSON.stringify({ "org.opencontainers.image.source": "x" }))).toEqual([]);
    for (const label of ["", "not json", "42", "[1, \"a\", null]", "{\"id\": 7}"]) expect(labelFeatureIds(label), label).toEqual([]);
  });

  it("refuses engine output that is not a labels object, saying what it got", () => {
    expect(() => featureIdsFromLabelsJson("Error: boom")).toThrow("the engine printed something that is not the image's labels: Error: boom");
    expect(() => featureIdsFromLabelsJson("[]")).toThrow(/not the image's labels/);
  });
});

describe("synthesis with what the caller found out about the image", () => {
  const base = { projectName: "myrepo", markers: [], featureRef: "./remo-secrets" };
  const mount = "source=/run/remo-broker/projects/myrepo,target=/run/remo-broker,type=bind,readonly";
  const existing = "{\n  // prebuilt with the feature\n  \"image\": \"ghcr.io/acme/dev:1\",\n  \"remoteUser\": \"vscode\"\n}\n";

  it("adds the mount but not the feature when the named image has it, says why, and is idempotent", () => {
    const image = { ref: "ghcr.io/acme/dev:1", featureIds: ["ghcr.io/devcontainers/features/node:1", "./remo-secrets"] };
    const r = synthesizeDevcontainer({ ...base, existing, image });
    expect(r.changes).toEqual([`Added "mounts" with the broker socket directory /run/remo-broker/projects/myrepo at /run/remo-broker (read-only).`]);
    expect(r.notes).toEqual(["The image ghcr.io/acme/dev:1 already has the remo-secrets feature (\"./remo-secrets\" in its devcontainer.metadata label); not adding it."]);
    expect(r.featureInImage).toBe("./remo-secrets");
    expect(parse(r.text)).toEqual({ image: "ghcr.io/acme/dev:1", remoteUser: "vscode", mounts: [mount] });
    expect(r.text.startsWith("{\n  // prebuilt with the feature\n  \"image\": \"ghcr.io/acme/dev:1\",\n  \"remoteUser\": \"vscode\",")).toBe(true);
    const again = synthesizeDevcontainer({ ...base, existing: r.text, image });
    expect({ text: again.text, changes: again.changes }).toEqual({ text: r.text, changes: [] });
  });

  it("still migrates an old socket-file mount next to a prebuilt image", () => {
    const old = JSON.stringify({ image: "dev:1", mounts: ["source=/run/remo-broker/myrepo.sock,target=/run/remo-broker/sock,type=bind"] });
    const r = synthesizeDevcontainer({ ...base, existing: old, image: { ref: "dev:1", featureIds: ["./remo-secrets"] } });
    expect(parse(r.text)).toEqual({ image: "dev:1", mounts: [mount] });
    expect(r.changes[0]).toMatch(/^Replaced the socket-file mount/);
  });

  it("adds the feature as before when the image has none, with no note about the image", () => {
    const r = synthesizeDevcontainer({ ...base, existing, image: { ref: "ghcr.io/acme/dev:1", featureIds: ["ghcr.io/devcontainers/features/node:1"] } });
    expect(parse(r.text)).toMatchObject({ features: { "./remo-secrets": {} } });
    expect(r.notes.filter((n) => n.includes("image ghcr.io"))).toEqual([]);
    expect(r.featureInImage).toBeUndefined();
  });

  it("adds the feature with a note saying why when the image could not be inspected", () => {
    const r = synthesizeDevcontainer({ ...base, existing, image: { ref: "ghcr.io/acme/dev:1", reason: "podman has no image by that name; pull or build it first" } });
    expect(parse(r.text)).toMatchObject({ features: { "./remo-secrets": {} } });
    expect(r.notes).toContain("Could not inspect the image ghcr.io/acme/dev:1 (podman has no image by that name; pull or build it first), so the feature was added as for any image. If that image was built with the remo-secrets feature, remove \"./remo-secrets\" from \"features\" to keep devcontainer up from building.");
  });

  it("ignores a lookup of another image than the file names", () => {
    const r = synthesizeDevcontainer({ ...base, existing, image: { ref: "ghcr.io/acme/other:1", featureIds: ["./remo-secrets"] } });
    expect(parse(r.text)).toMatchObject({ features: { "./remo-secrets": {} } });
    expect(r.notes.join(" ")).not.toContain("other:1");
  });

  it("keeps a feature already listed, whatever the image has", () => {
    const listed = JSON.stringify({ image: "dev:1", features: { "ghcr.io/acme/remo-secrets:1": {} }, mounts: [mount] });
    const r = synthesizeDevcontainer({ ...base, existing: listed, image: { ref: "dev:1", featureIds: ["./remo-secrets"] } });
    expect(r.text).toBe(listed);
    expect(r.featureInImage).toBeUndefined();
  });
});

describe("asking the engine", () => {
  it("passes the image name as one argument after the options", () => {
    expect(inspectArgs("ghcr.io/acme/dev:1")).toEqual(["image", "inspect", "--format", "{{json .Config.Labels}}", "ghcr.io/acme/dev:1"]);
  });

  it("refuses names that are not image names before running anything", () => {
    expect(unusableImageRef("--help")).toBe("it is not an image name");
    expect(unusableImageRef("a b")).toBe("it is not an image name");
    expect(unusableImageRef("${localEnv:IMAGE}")).toBe("its name uses a variable the devcontainer CLI substitutes");
    expect(unusableImageRef("localhost/dev@sha256:abc")).toBeUndefined();
  });

  it("quotes every word of the remote command line and falls back from docker to podman", () => {
    expect(inspectCommandLine("dev:1", "/opt/my engine/podman")).toBe("'/opt/my engine/podman' image inspect --format '{{json .Config.Labels}}' dev:1");
    const line = inspectCommandLine("dev:1", undefined);
    expect(line).toBe("if command -v docker >/dev/null 2>&1; then docker image inspect --format '{{json .Config.Labels}}' dev:1; "
      + "elif command -v podman >/dev/null 2>&1; then podman image inspect --format '{{json .Config.Labels}}' dev:1; "
      + "else echo 'neither docker nor podman is on the PATH' >&2; exit 127; fi");
  });

  it("turns each way the engine answers into a lookup", () => {
    expect(lookupFromResult("dev:1", "podman", { code: 0, stdout: realLabels, stderr: "" })).toEqual({ ref: "dev:1", featureIds: ["./remo-secrets"] });
    expect(lookupFromResult("dev:1", "podman", { code: 125, stdout: "", stderr: "Error: dev:1: image not known\n" })).toEqual({ ref: "dev:1", reason: "podman has no image by that name; pull or build it first" });
    expect(lookupFromResult("dev:1", "docker", { code: 1, stdout: "", stderr: "Error: No such image: dev:1\n" })).toEqual({ ref: "dev:1", reason: "docker has no image by that name; pull or build it first" });
    expect(lookupFromResult("dev:1", "docker", { code: 1, stdout: "", stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n" }))
      .toEqual({ ref: "dev:1", reason: "docker image inspect failed (exit 1): Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" });
    expect(lookupFromResult("dev:1", "the engine on n1", { code: 127, stdout: "", stderr: "neither docker nor podman is on the PATH\n" })).toEqual({ ref: "dev:1", reason: "the engine on n1 is not installed (neither docker nor podman is on the PATH)" });
    expect(lookupFromResult("dev:1", "podman", { code: 0, stdout: "oops", stderr: "" })).toEqual({ ref: "dev:1", reason: "podman: the engine printed something that is not the image's labels: oops" });
  });
});

describe("where the Synthesize command asks", () => {
  it("asks the local engine only when this extension host runs on the node of a Remote-SSH window", () => {
    expect(imageLookupRoute({ remoteName: "ssh-remote", extensionHostIsRemote: true, nodeName: undefined })).toEqual({ via: "here" });
    expect(imageLookupRoute({ remoteName: "ssh-remote", extensionHostIsRemote: false, nodeName: "n1" })).toEqual({ via: "ssh", nodeName: "n1" });
    expect(imageLookupRoute({ remoteName: undefined, extensionHostIsRemote: false, nodeName: "n1" })).toEqual({ via: "ssh", nodeName: "n1" });
    expect(imageLookupRoute({ remoteName: "dev-container", extensionHostIsRemote: true, nodeName: "n1" })).toEqual({ via: "ssh", nodeName: "n1" });
    const none = imageLookupRoute({ remoteName: undefined, extensionHostIsRemote: false, nodeName: undefined });
    expect(none.via === "none" ? none.reason : "").toContain("no node");
  });
});
