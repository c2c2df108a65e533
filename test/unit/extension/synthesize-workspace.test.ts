import { describe, expect, it } from "vitest";
import { parse } from "jsonc-parser";
import { synthesizeWorkspace, type WorkspaceFs } from "../../../extension/src/devcontainer/synthesize-workspace.ts";

/** An in-memory WorkspaceFs (a fake is fine in a unit test of one module). */
function memFs(files: Record<string, string>): WorkspaceFs & { files: Map<string, string>; writes: string[] } {
  const map = new Map(Object.entries(files));
  const writes: string[] = [];
  const enc = new TextEncoder();
  return {
    files: map,
    writes,
    readFile: (p) => Promise.resolve(map.has(p) ? enc.encode(map.get(p)) : undefined),
    writeFile: (p, d) => { writes.push(p); map.set(p, new TextDecoder().decode(d)); return Promise.resolve(); },
    readDirectory: (p) => Promise.resolve([...new Set([...map.keys()].filter((k) => k.startsWith(`${p}/`)).map((k) => k.slice(p.length + 1).split("/")[0]!))]),
  };
}

const feature = { "/ext/feature/devcontainer-feature.json": "{\"id\":\"remo-secrets\"}", "/ext/feature/install.sh": "#!/bin/sh\n" };

describe("synthesizeWorkspace", () => {
  it("plans without writing, then writes the file and the feature, then has nothing to do", async () => {
    const fs = memFs({ ...feature, "/w/app/pyproject.toml": "", "/w/app/.remo/broker.toml": "schema_version = 1\n[project]\nname = \"app\"\n[allowlist]\nsecrets = []\n" });
    const plan = await synthesizeWorkspace("/w/app", fs, { featureSource: "/ext/feature" });
    expect(fs.writes).toEqual([]);
    expect(plan).toMatchObject({ path: "/w/app/.devcontainer/devcontainer.json", projectName: "app", created: true, conflicts: [] });
    expect(plan.before).toBeUndefined();
    expect(plan.changes.at(-1)).toBe("Copied the remo-secrets feature into .devcontainer/remo-secrets.");
    expect(parse(plan.after)).toMatchObject({ image: "mcr.microsoft.com/devcontainers/python:3" });

    const done = await synthesizeWorkspace("/w/app", fs, { featureSource: "/ext/feature", write: true });
    expect(done.after).toBe(plan.after);
    expect(fs.writes.sort()).toEqual(["/w/app/.devcontainer/devcontainer.json", "/w/app/.devcontainer/remo-secrets/devcontainer-feature.json", "/w/app/.devcontainer/remo-secrets/install.sh"]);

    const again = await synthesizeWorkspace("/w/app", fs, { featureSource: "/ext/feature", write: true });
    expect(again.changes).toEqual([]);
    expect(again.before).toBe(again.after);
    expect(fs.writes).toHaveLength(3);
  });

  it("updates a stale copy of the feature", async () => {
    const fs = memFs({ ...feature, "/w/p/.devcontainer/remo-secrets/install.sh": "old\n", "/w/p/.devcontainer/remo-secrets/devcontainer-feature.json": "{\"id\":\"remo-secrets\"}" });
    const r = await synthesizeWorkspace("/w/p", fs, { featureSource: "/ext/feature", write: true });
    expect(r.changes).toContain("Updated the remo-secrets feature into .devcontainer/remo-secrets.");
    expect(fs.files.get("/w/p/.devcontainer/remo-secrets/install.sh")).toBe("#!/bin/sh\n");
  });

  it("uses the folder name when there is no manifest, and a published id without copying", async () => {
    const fs = memFs({});
    const r = await synthesizeWorkspace("/w/myrepo", fs, { featureRef: "ghcr.io/acme/remo-secrets:1", write: true });
    expect(r.projectName).toBe("myrepo");
    expect(fs.writes).toEqual(["/w/myrepo/.devcontainer/devcontainer.json"]);
  });

  it("asks about the named image only when the file lists no remo-secrets feature, and copies no feature an image already has", async () => {
    const asked: string[] = [];
    const inspectImage = (ref: string) => { asked.push(ref); return Promise.resolve({ ref, featureIds: ["./remo-secrets"] }); };
    const fs = memFs({ ...feature, "/w/p/.devcontainer/devcontainer.json": "{ \"image\": \"localhost/dev:1\" }\n" });
    const r = await synthesizeWorkspace("/w/p", fs, { featureSource: "/ext/feature", inspectImage, write: true });
    expect(asked).toEqual(["localhost/dev:1"]);
    expect(r.notes[0]).toMatch(/^The image localhost\/dev:1 already has the remo-secrets feature/);
    expect(fs.writes).toEqual(["/w/p/.devcontainer/devcontainer.json"]);
    expect(parse(fs.files.get("/w/p/.devcontainer/devcontainer.json") ?? "")).not.toHaveProperty("features");

    const listed = memFs({ ...feature, "/w/q/.devcontainer/devcontainer.json": "{ \"image\": \"localhost/dev:1\", \"features\": { \"./remo-secrets\": {} } }\n" });
    await synthesizeWorkspace("/w/q", listed, { featureSource: "/ext/feature", inspectImage });
    const created = memFs({ ...feature });
    await synthesizeWorkspace("/w/r", created, { featureSource: "/ext/feature", inspectImage });
    expect(asked).toEqual(["localhost/dev:1"]);
  });

  it("asks about the base image of a Dockerfile config, with build.args and target, and says when it cannot tell it", async () => {
    const asked: string[] = [];
    const inspectImage = (ref: string) => { asked.push(ref); return Promise.resolve({ ref, featureIds: ref === "localhost/team:2" ? ["./remo-secrets"] : [] }); };
    const config = "{ \"build\": { \"dockerfile\": \"Dockerfile\", \"target\": \"dev\", \"args\": { \"TAG\": \"2\" } } }\n";
    const fs = memFs({ ...feature, "/w/d/.devcontainer/devcontainer.json": config, "/w/d/.devcontainer/Dockerfile": "ARG TAG=1\nFROM localhost/team:${TAG} AS dev\nFROM dev AS ci\n" });
    const r = await synthesizeWorkspace("/w/d", fs, { featureSource: "/ext/feature", inspectImage, write: true });
    expect(asked).toEqual(["localhost/team:2"]);
    expect(r.notes[0]).toBe("The image localhost/team:2 (the base of Dockerfile) already has the remo-secrets feature (\"./remo-secrets\" in its devcontainer.metadata label); not adding it.");
    expect(parse(fs.files.get("/w/d/.devcontainer/devcontainer.json") ?? "")).not.toHaveProperty("features");

    const plain = memFs({ ...feature, "/w/e/.devcontainer/devcontainer.json": "{ \"build\": { \"dockerfile\": \"Dockerfile\" } }", "/w/e/.devcontainer/Dockerfile": "FROM debian:12\n" });
    expect(Object.keys((parse((await synthesizeWorkspace("/w/e", plain, { featureSource: "/ext/feature", inspectImage })).after) as { features: object }).features)).toEqual(["./remo-secrets"]);
    expect(asked).toEqual(["localhost/team:2", "debian:12"]);

    const unknown = memFs({ ...feature, "/w/f/.devcontainer/devcontainer.json": "{ \"dockerFile\": \"Dockerfile\" }", "/w/f/.devcontainer/Dockerfile": "FROM base:$TAG\n" });
    const u = await synthesizeWorkspace("/w/f", unknown, { featureSource: "/ext/feature", inspectImage });
    expect(u.notes).toContain("Could not tell which image Dockerfile builds on (its FROM base:$TAG uses a build argument with no value), so the feature was added as for any image.");
    expect(asked).toHaveLength(2);
  });

  it("asks about the image a compose service runs or builds on, and leaves the feature out when that image has it", async () => {
    const asked: string[] = [];
    const inspectImage = (ref: string) => { asked.push(ref); return Promise.resolve({ ref, featureIds: ref === "localhost/team:2" ? ["ghcr.io/remo/features/remo-secrets:1"] : [] }); };
    const config = "{\n  // the app runs in a compose service\n  \"dockerComposeFile\": [\"compose.yml\", \"../compose.override.yml\"],\n  \"service\": \"app\",\n  \"workspaceFolder\": \"/w\"\n}\n";
    const fs = memFs({
      ...feature,
      "/w/g/.devcontainer/devcontainer.json": config,
      "/w/g/.devcontainer/compose.yml": "services:\n  app:\n    image: localhost/other:1\n  db:\n    image: postgres\n",
      "/w/g/compose.override.yml": "services:\n  app:\n    image: localhost/team:2\n",
    });
    const r = await synthesizeWorkspace("/w/g", fs, { featureSource: "/ext/feature", inspectImage, write: true });
    expect(asked).toEqual(["localhost/team:2"]);
    expect(r.notes[0]).toBe("The image localhost/team:2 (the compose service \"app\" runs it) already has the remo-secrets feature (\"ghcr.io/remo/features/remo-secrets:1\" in its devcontainer.metadata label); not adding it.");
    const written = fs.files.get("/w/g/.devcontainer/devcontainer.json") ?? "";
    expect(parse(written)).not.toHaveProperty("features");
    expect(written).toContain("// the app runs in a compose service");
    expect(written).toContain("source=/run/remo-broker/projects/g,");
    expect(fs.files.has("/w/g/.devcontainer/remo-secrets/install.sh")).toBe(false);

    // A service built from a Dockerfile: the base of that Dockerfile, with the service's args.
    const built = memFs({
      ...feature,
      "/w/h/.devcontainer/devcontainer.json": "{ \"dockerComposeFile\": \"compose.yml\", \"service\": \"app\" }",
      "/w/h/.devcontainer/compose.yml": "services:\n  app:\n    build:\n      context: ..\n      dockerfile: .devcontainer/Dockerfile\n      args:\n        TAG: \"2\"\n",
      "/w/h/.devcontainer/Dockerfile": "ARG TAG=1\nFROM localhost/team:${TAG}\n",
    });
    const b = await synthesizeWorkspace("/w/h", built, { featureSource: "/ext/feature", inspectImage });
    expect(asked).toEqual(["localhost/team:2", "localhost/team:2"]);
    expect(b.notes[0]).toBe("The image localhost/team:2 (the base of Dockerfile, which the compose service \"app\" builds) already has the remo-secrets feature (\"ghcr.io/remo/features/remo-secrets:1\" in its devcontainer.metadata label); not adding it.");

    // An image only the compose run can name: the feature is added as for any image, and the note says why.
    const variable = memFs({
      ...feature,
      "/w/i/.devcontainer/devcontainer.json": "{ \"dockerComposeFile\": \"compose.yml\", \"service\": \"app\" }",
      "/w/i/.devcontainer/compose.yml": "services:\n  app:\n    image: ${APP_IMAGE}\n",
    });
    const v = await synthesizeWorkspace("/w/i", variable, { featureSource: "/ext/feature", inspectImage });
    expect(asked).toHaveLength(2);
    expect(v.notes).toContain("Could not tell which image the compose service \"app\" runs (its image name uses ${APP_IMAGE}, which only the compose run knows), so the feature was added as for any image.");
    expect(Object.keys((parse(v.after) as { features: object }).features)).toEqual(["./remo-secrets"]);
  });

  it("refuses to start a second configuration next to a root .devcontainer.json", async () => {
    const fs = memFs({ "/w/p/.devcontainer.json": "{}" });
    await expect(synthesizeWorkspace("/w/p", fs, { featureRef: "x/remo-secrets" })).rejects.toMatchObject({ code: "root_config" });
  });

  it("refuses an incomplete feature folder and a missing feature", async () => {
    const fs = memFs({ "/ext/feature/README.md": "" });
    await expect(synthesizeWorkspace("/w/p", fs, { featureSource: "/ext/feature" })).rejects.toMatchObject({ code: "no_feature" });
    await expect(synthesizeWorkspace("/w/p", fs, {})).rejects.toMatchObject({ code: "no_feature" });
  });

  it("reads the compose files relative to .devcontainer for an existing directory or old socket-file mount", async () => {
    const fs = memFs({
      "/w/c/.devcontainer/devcontainer.json": "{ \"dockerComposeFile\": [\"../compose.yaml\"], \"service\": \"app\", \"workspaceFolder\": \"/w\" }",
      "/w/c/compose.yaml": "services:\n  app:\n    volumes:\n      - /run/remo-broker/projects/c:/run/remo-broker:ro\n",
    });
    const ours = await synthesizeWorkspace("/w/c", fs, { featureRef: "x/remo-secrets" });
    expect({ conflicts: ours.conflicts, mounts: ours.after.includes("\"mounts\"") }).toEqual({ conflicts: [], mounts: false });
    fs.files.set("/w/c/compose.yaml", "services:\n  app:\n    volumes:\n      - /run/remo-broker/c.sock:/run/remo-broker/sock\n");
    const legacy = await synthesizeWorkspace("/w/c", fs, { featureRef: "x/remo-secrets" });
    expect({ conflicts: legacy.conflicts.length, mounts: legacy.after.includes("source=/run/remo-broker/projects/c,") }).toEqual({ conflicts: 1, mounts: true });
    fs.files.set("/w/c/compose.yaml", "services:\n  app: {}\n");
    const none = await synthesizeWorkspace("/w/c", fs, { featureRef: "x/remo-secrets" });
    expect({ conflicts: none.conflicts, mounts: none.after.includes("source=/run/remo-broker/projects/c,") }).toEqual({ conflicts: [], mounts: true });
  });
});
