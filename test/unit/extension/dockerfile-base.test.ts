import { describe, expect, it } from "vitest";
import { dockerfileBaseImage } from "../../../extension/src/devcontainer/dockerfile-base.ts";

describe("dockerfileBaseImage", () => {
  it("reads the FROM of a one-stage Dockerfile, with comments, flags and continuations", () => {
    expect(dockerfileBaseImage("# syntax=docker/dockerfile:1\n\nFROM --platform=linux/amd64 \\\n  localhost/team-base:2\nRUN true\n")).toEqual({ ref: "localhost/team-base:2" });
  });

  it("takes the last stage, or the build target, and follows a stage built on another", () => {
    const text = "FROM debian:12 AS tools\nRUN make\nFROM localhost/app-base:1 AS dev\nFROM dev AS final\nCOPY --from=tools /x /x\n";
    expect(dockerfileBaseImage(text)).toEqual({ ref: "localhost/app-base:1" });
    expect(dockerfileBaseImage(text, { target: "tools" })).toEqual({ ref: "debian:12" });
    expect(dockerfileBaseImage(text, { target: "nope" })).toEqual({ reason: "it has no stage named \"nope\"" });
  });

  it("substitutes build arguments from build.args, then the ARG defaults before the first FROM", () => {
    const text = "ARG VARIANT=3.12\nARG REGISTRY\nFROM ${REGISTRY:-localhost}/python:${VARIANT}\nARG LATE=x\n";
    expect(dockerfileBaseImage(text)).toEqual({ ref: "localhost/python:3.12" });
    expect(dockerfileBaseImage(text, { args: { VARIANT: "3.11", REGISTRY: "ghcr.io/acme" } })).toEqual({ ref: "ghcr.io/acme/python:3.11" });
    expect(dockerfileBaseImage("FROM base:$TAG\n")).toEqual({ reason: "its FROM base:$TAG uses a build argument with no value" });
  });

  it("says why when there is nothing to read", () => {
    expect(dockerfileBaseImage("RUN true\n")).toEqual({ reason: "it has no FROM line" });
    expect(dockerfileBaseImage("FROM a AS b\nFROM b AS a\n", { target: "a" })).toEqual({ reason: "its stages build on each other in a circle" });
  });
});
