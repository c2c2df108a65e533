// Synthesis on the devcontainer.json files real projects start from: every
// src/<name>/.devcontainer/devcontainer.json of github.com/devcontainers/templates and
// github.com/devcontainers/images (58 files: image, Dockerfile and Docker Compose configurations).
// Their files are not part of this repository, so this suite runs only when
// REMO_DEVCONTAINER_CORPUS names a folder holding checkouts of both (any depth); the committed
// golden cases in test/fixtures/devcontainer are modelled on them and always run.
// Each template folder is copied whole (its Dockerfile and compose files come along), the
// project's own synthesis CLI edits it in place, and the real devcontainer CLI reads the result.
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parse } from "jsonc-parser";
import { afterAll, describe, expect, it } from "vitest";
import { jsoncComments } from "../helpers/jsonc-comments.ts";
import { podmanUnavailable } from "../helpers/podman.ts";
import { makeTempDir } from "../helpers/temp-dir.ts";
import { devcontainerSchemaErrors } from "../unit/extension/devcontainer-schema.ts";
import { readConfiguration, synthesize } from "./devcontainer-cli.ts";

const corpus = process.env.REMO_DEVCONTAINER_CORPUS;
const skipReason = corpus === undefined || corpus === ""
  ? "REMO_DEVCONTAINER_CORPUS is not set (clone github.com/devcontainers/templates and github.com/devcontainers/images into one folder and point it there)"
  : podmanUnavailable();
if (skipReason !== null) console.warn(`NOT RUN: synthesis on the real devcontainer.json corpus: ${skipReason}`);

/** The template folders (the folder holding .devcontainer/) under `root`. */
function templateFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 6) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name === "node_modules" || e.name === ".git") continue;
      const p = join(dir, e.name);
      if (e.name === ".devcontainer") {
        if (basename(dirname(dir)) === "src" && statSync(join(p, "devcontainer.json"), { throwIfNoEntry: false })?.isFile() === true) out.push(dir);
        continue;
      }
      walk(p, depth + 1);
    }
  };
  walk(root, 0);
  return out.sort();
}

// What synthesis may add to; every other top-level value must come back unchanged.
const grown = new Set(["mounts", "features", "containerEnv", "secrets"]);
const brokerMount = (project: string): string => `source=/run/remo-broker/projects/${project},target=/run/remo-broker,type=bind,readonly`;

describe.skipIf(skipReason !== null)("synthesis on the real devcontainer.json corpus", () => {
  const tmp = makeTempDir("remo-real-corpus-");
  afterAll(() => { tmp.cleanup(); });
  const folders = skipReason === null ? templateFolders(corpus ?? "") : [];

  it("finds the templates' and images' configurations", () => {
    expect(folders.length).toBeGreaterThan(0);
    console.info(`real corpus: ${String(folders.length)} devcontainer.json files`);
  });

  for (const folder of folders) {
    // <repo>-<template>, lowercased: a valid project name, unique across the two repositories.
    const project = `${basename(dirname(dirname(folder)))}-${basename(folder)}`.toLowerCase().replace(/[^a-z0-9_-]/g, "-");
    it(`edits ${project} in place, keeps its comments and values, and reads back with the CLI`, async () => {
      const ws = join(tmp.path, project);
      cpSync(folder, ws, { recursive: true });
      const file = join(ws, ".devcontainer", "devcontainer.json");
      const before = readFileSync(file, "utf8");
      const first = await synthesize(ws, "/run/remo-broker");
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: "" });
      const after = readFileSync(file, "utf8");

      const was = parse(before, [], { allowTrailingComma: true }) as Record<string, unknown>;
      const now = parse(after, [], { allowTrailingComma: true }) as Record<string, unknown>;
      expect(Object.keys(now).filter((k) => k in was)).toEqual(Object.keys(was));
      for (const [k, v] of Object.entries(was)) {
        if (!grown.has(k)) expect(now[k], k).toEqual(v);
        else if (Array.isArray(v)) expect(now[k], k).toEqual(expect.arrayContaining(v));
        else expect(now[k], k).toMatchObject(v as object);
      }
      // Every comment survives, in order.
      expect(jsoncComments(after).filter((c) => jsoncComments(before).includes(c))).toEqual(jsoncComments(before));
      // No schema error the file did not already have (templates hold ${templateOption:…} placeholders).
      const known = new Set(devcontainerSchemaErrors(before));
      expect(devcontainerSchemaErrors(after).filter((e) => !known.has(e))).toEqual([]);

      const second = await synthesize(ws, "/run/remo-broker");
      expect(second.code).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(after);

      const config = await readConfiguration({ workspace: ws });
      expect(config.mounts).toContainEqual(brokerMount(project));
      expect(Object.keys(config.features as object)).toContain("./remo-secrets");
    });
  }
});
