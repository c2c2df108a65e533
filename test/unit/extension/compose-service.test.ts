import { describe, expect, it } from "vitest";
import { composeServiceImage } from "../../../extension/src/devcontainer/compose-service.ts";

const file = (path: string, text: string) => ({ path, text });

describe("composeServiceImage", () => {
  it("is the service's image", () => {
    expect(composeServiceImage([file("/w/.devcontainer/compose.yml", "services:\n  app:\n    image: localhost/team:2\n  db:\n    image: postgres\n")], "app")).toEqual({ image: "localhost/team:2" });
  });

  it("takes the build over the image, with the context and Dockerfile from the first file's folder, target and args", () => {
    const yml = [
      "services:",
      "  app:",
      "    image: ignored-tag",
      "    build:",
      "      context: ..",
      "      dockerfile: .devcontainer/Dockerfile",
      "      target: dev",
      "      args:",
      "        TAG: 2",
      "        EMPTY:",
    ].join("\n");
    expect(composeServiceImage([file("/w/.devcontainer/compose.yml", yml)], "app")).toEqual({ build: { dockerfile: "/w/.devcontainer/Dockerfile", target: "dev", args: { TAG: "2" } } });
  });

  it("reads a build given as a context string and args as a list, and defaults the Dockerfile's name", () => {
    expect(composeServiceImage([file("/w/compose.yml", "services:\n  app:\n    build: ./app\n")], "app")).toEqual({ build: { dockerfile: "/w/app/Dockerfile", args: {} } });
    expect(composeServiceImage([file("/w/compose.yml", "services:\n  app:\n    build:\n      context: .\n      args: [\"TAG=3\", \"NOVALUE\"]\n")], "app"))
      .toEqual({ build: { dockerfile: "/w/Dockerfile", args: { TAG: "3" } } });
  });

  it("lets a later file override the image and merge into the build, with paths from the first file's folder", () => {
    const base = file("/w/.devcontainer/compose.yml", "services:\n  app:\n    image: one\n");
    const override = file("/w/other/override.yml", "services:\n  app:\n    image: two\n");
    expect(composeServiceImage([base, override], "app")).toEqual({ image: "two" });
    const build = file("/w/other/build.yml", "services:\n  app:\n    build:\n      dockerfile: Dockerfile.dev\n");
    expect(composeServiceImage([file("/w/.devcontainer/compose.yml", "services:\n  app:\n    build:\n      context: ctx\n"), build], "app"))
      .toEqual({ build: { dockerfile: "/w/.devcontainer/ctx/Dockerfile.dev", args: {} } });
  });

  it("follows YAML anchors and merge keys, as compose files use them", () => {
    const yml = "x-common: &common\n  image: localhost/base:1\nservices:\n  app:\n    <<: *common\n";
    expect(composeServiceImage([file("/w/compose.yml", yml)], "app")).toEqual({ image: "localhost/base:1" });
  });

  it("takes the defaults of ${NAME:-default} and ${NAME-default}, and $$ as $", () => {
    expect(composeServiceImage([file("/w/c.yml", "services:\n  app:\n    image: \"${REG:-localhost}/team:${TAG-2}\"\n")], "app")).toEqual({ image: "localhost/team:2" });
    expect(composeServiceImage([file("/w/c.yml", "services:\n  app:\n    image: a$$b\n")], "app")).toEqual({ image: "a$b" });
  });

  it("says why when the files alone do not tell the image", () => {
    const reason = (text: string, service = "app"): string => {
      const r = composeServiceImage([file("/w/c.yml", text)], service);
      return "reason" in r ? r.reason : `not a reason: ${JSON.stringify(r)}`;
    };
    expect(reason("services:\n  app:\n    image: ${IMAGE}\n")).toBe("its image name uses ${IMAGE}, which only the compose run knows");
    expect(reason("services:\n  app:\n    image: team:$TAG\n")).toBe("its image name uses ${TAG}, which only the compose run knows");
    expect(reason("services:\n  app:\n    image: ${IMAGE:?set IMAGE}\n")).toBe("its image name uses ${IMAGE}, which only the compose run knows");
    expect(reason("services:\n  app:\n    build:\n      context: ${CTX}\n")).toBe("its build context uses ${CTX}, which only the compose run knows");
    expect(reason("services:\n  app:\n    build: https://github.com/x/y.git\n")).toBe("its build context is a remote URL");
    expect(reason("services:\n  app:\n    extends: base\n")).toBe("the service \"app\" extends another service");
    expect(reason("services:\n  app:\n    ports: [\"80:80\"]\n")).toBe("the service \"app\" names neither an image nor a build");
    expect(reason("services:\n  db:\n    image: postgres\n")).toBe("no service \"app\" in /w/c.yml");
    expect(reason("services: [\n")).toMatch(/^\/w\/c\.yml does not parse as YAML \(.+\)$/);
    expect(composeServiceImage([], "app")).toEqual({ reason: "no compose file could be read" });
  });
});
