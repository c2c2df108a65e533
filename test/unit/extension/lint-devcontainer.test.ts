import { describe, expect, it } from "vitest";
import { lintDevcontainer } from "../../../extension/src/devcontainer/lint-devcontainer.ts";
import { makeSentinel } from "../../helpers/sentinel.ts";

const ghToken = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
const fix = (key: string, name: string) => `${key}.${name}`;

describe("lintDevcontainer", () => {
  it("flags a token-shaped literal in containerEnv as an error at the value's range", () => {
    const text = `{\n  "image": "i",\n  "containerEnv": { "GH": "${ghToken}", "OK": "\${localEnv:GH}" }\n}`;
    const d = lintDevcontainer(text, {});
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: "devcontainer.literal-secret", severity: "error", offset: text.indexOf(`"${ghToken}"`), length: ghToken.length + 2 });
    expect(d[0]!.message).toContain(`${fix("containerEnv", "GH")} holds a literal GitHub token.`);
    expect(d[0]!.message).not.toContain(ghToken);
  });

  it("warns about a literal under a credential-like name in remoteEnv, but not references or placeholders", () => {
    const secret = makeSentinel();
    const text = JSON.stringify({ image: "i", remoteEnv: { DB_PASSWORD: secret, API_KEY: "${localEnv:API_KEY}", TOKEN: "<your token>", PATH: "/usr/bin:${containerEnv:PATH}" } });
    const d = lintDevcontainer(text, {});
    expect(d.map((x) => [x.code, x.severity, text.slice(x.offset, x.offset + x.length)])).toEqual([["devcontainer.possible-secret", "warning", JSON.stringify(secret)]]);
    expect(d[0]!.message).not.toContain(secret);
  });

  it("recognises several providers' token formats", () => {
    const values = ["AKIAIOSFODNN7EXAMPLE", "xoxb-1234567890-abcdefghij", "glpat-abcdefghijklmnopqrstu", "npm_" + "a".repeat(36), "sk-proj-" + "b".repeat(30)];
    const text = JSON.stringify({ image: "i", containerEnv: Object.fromEntries(values.map((v, i) => [`V${i}`, v])) });
    expect(lintDevcontainer(text, {}).map((d) => d.code)).toEqual(values.map(() => "devcontainer.literal-secret"));
  });

  it("also checks build.args and docker run -e/--env flags in runArgs", () => {
    const text = JSON.stringify({ build: { dockerfile: "D", args: { NPM_TOKEN: "npm_" + "b".repeat(36), NODE_VERSION: "20" } }, runArgs: ["--init", "-e", `GH=${ghToken}`, `--env=API_KEY=${"k".repeat(20)}`, "--env", "PLAIN=1"] });
    const d = lintDevcontainer(text, {});
    expect(d.map((x) => [x.code, x.message.slice(0, x.message.indexOf(". "))])).toEqual([
      ["devcontainer.literal-secret", "build.args.NPM_TOKEN holds a literal npm token"],
      ["devcontainer.literal-secret", "runArgs[2] (GH) holds a literal GitHub token"],
      ["devcontainer.possible-secret", "runArgs[3] (API_KEY) looks like a credential written into the file"],
    ]);
    expect(text.slice(d[1]!.offset, d[1]!.offset + d[1]!.length)).toBe(JSON.stringify(`GH=${ghToken}`));
  });

  it("reports a missing broker mount when the project is known", () => {
    const text = "{\n  \"image\": \"i\",\n  \"mounts\": [\"source=a,target=/b,type=volume\"]\n}";
    const d = lintDevcontainer(text, { projectName: "myrepo" });
    expect(d).toEqual([{
      code: "devcontainer.missing-broker-mount",
      severity: "warning",
      offset: text.indexOf("\"mounts\""),
      length: "\"mounts\"".length,
      message: "No mount brings the broker socket into the container, so remo-secrets cannot fetch \"myrepo\" secrets. Run \"Remo: Synthesize devcontainer.json\" or add \"source=/run/remo-broker/projects/myrepo,target=/run/remo-broker,type=bind,readonly\" to \"mounts\".",
    }]);
    expect(lintDevcontainer("{\"image\":\"i\"}", { projectName: "myrepo" })[0]).toMatchObject({ offset: 0, length: 1 });
  });

  it("reports a broker mount for another project or of the wrong type", () => {
    const text = JSON.stringify({ image: "i", mounts: ["source=/run/remo-broker/other.sock,target=/run/remo-broker/sock,type=bind", { type: "volume", source: "v", target: "/run/remo-broker/sock" }] });
    const d = lintDevcontainer(text, { projectName: "myrepo" });
    expect(d.map((x) => x.code)).toEqual(["devcontainer.wrong-broker-mount", "devcontainer.wrong-broker-mount"]);
    expect(d[0]!.message).toBe("This mounts /run/remo-broker/other.sock at /run/remo-broker/sock, but project \"myrepo\" has its socket directory at /run/remo-broker/projects/myrepo. Use \"source=/run/remo-broker/projects/myrepo,target=/run/remo-broker,type=bind,readonly\".");
    expect(d[1]!.message).toContain("must be a bind mount (type=bind), not type=volume");
  });

  it("warns about this project's old socket-file mount, in devcontainer.json of compose configs too", () => {
    const text = JSON.stringify({ dockerComposeFile: "c.yml", service: "a", mounts: ["source=/run/remo-broker/myrepo.sock,target=/run/remo-broker/sock,type=bind"] });
    expect(lintDevcontainer(text, { projectName: "myrepo" })).toEqual([{
      code: "devcontainer.wrong-broker-mount",
      severity: "warning",
      offset: text.indexOf("\"source="),
      length: "\"source=/run/remo-broker/myrepo.sock,target=/run/remo-broker/sock,type=bind\"".length,
      message: "This mounts the socket file, which a running container loses when the broker restarts. Mount the project's socket directory instead: run \"Remo: Synthesize devcontainer.json\", or use \"source=/run/remo-broker/projects/myrepo,target=/run/remo-broker,type=bind,readonly\".",
    }]);
    expect(lintDevcontainer(JSON.stringify({ dockerComposeFile: "c.yml", service: "a" }), { projectName: "myrepo" }).map((d) => d.code)).toEqual(["devcontainer.missing-broker-mount"]);
  });

  it("is silent on a correct file (string or object form) and on text that is not an object", () => {
    const good = JSON.stringify({ image: "i", mounts: ["target=/run/remo-broker,source=/run/remo-broker/projects/myrepo,type=bind,readonly"] });
    expect(lintDevcontainer(good, { projectName: "myrepo" })).toEqual([]);
    const object = JSON.stringify({ dockerComposeFile: "c.yml", service: "a", mounts: [{ source: "/run/remo-broker/projects/myrepo/", target: "/run/remo-broker", type: "bind" }] });
    expect(lintDevcontainer(object, { projectName: "myrepo" })).toEqual([]);
    expect(lintDevcontainer("[1,2]", { projectName: "myrepo" })).toEqual([]);
    expect(lintDevcontainer("{ \"image\": ", { projectName: "myrepo" }).map((d) => d.code)).toEqual(["devcontainer.missing-broker-mount"]);
  });
});
