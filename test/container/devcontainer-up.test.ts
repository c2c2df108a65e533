// "Containers fetch secrets at startup", for real: the devcontainer CLI builds and starts
// each configuration with root podman, the remo-secrets feature installs the client, and
// the container talks to the real broker on the host through the synthesized mount.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type BrokerHandle } from "../helpers/broker-process.ts";
import { podmanOk, podmanUnavailable, removeContainersLabelled, startDockerApi, type DockerApiService } from "../helpers/podman.ts";
import { findLeaks, makeSentinel } from "../helpers/sentinel.ts";
import { parseAuditLines, type AuditRecord } from "#protocol";
import { chrootUnavailable } from "../feature/debian-root.ts";
import { cliLogs, devcontainerExec, devcontainerUp, readConfiguration, suiteLabel, synthesize, type CliTarget } from "./devcontainer-cli.ts";
import { ensureNodeImage } from "./images.ts";
import { podmanOutputContains, sameSecret } from "./scan.ts";

const skipReason = podmanUnavailable() ?? chrootUnavailable()
  ?? (spawnSync("sh", ["-c", "command -v docker-compose"]).status === 0 ? null : "docker-compose is not installed (run scripts/ensure-system-deps.sh)");
if (skipReason !== null) {
  if (process.env.CI !== undefined) throw new Error(`the container suite cannot run in CI: ${skipReason}`);
  console.warn(`SKIPPED: container suite (devcontainer CLI + podman): ${skipReason}`);
}

/** One configuration shape a real project has, and the user the CLI runs commands as. */
interface Config {
  name: string;
  remoteUser: string;
  compose?: boolean;
  /** Files under .devcontainer/, given the base image. */
  files(image: string, name: string): Record<string, string>;
}

const configs: Config[] = [
  {
    name: "image-cfg",
    remoteUser: "root",
    files: (image) => ({ "devcontainer.json": JSON.stringify({ name: "image based", image }, null, 2) + "\n" }),
  },
  {
    name: "dockerfile-cfg",
    remoteUser: "root",
    files: (image) => ({
      "Dockerfile": `FROM ${image}\nRUN echo built-from-dockerfile > /etc/remo-test-marker\n`,
      "devcontainer.json": "{\n  // built from our own Dockerfile\n  \"name\": \"dockerfile based\",\n  \"build\": { \"dockerfile\": \"Dockerfile\" }\n}\n",
    }),
  },
  {
    name: "compose-cfg",
    remoteUser: "root",
    compose: true,
    files: (image, name) => ({
      "docker-compose.yml": [
        "version: \"3.8\"",
        "services:",
        "  app:",
        `    image: ${image}`,
        "    command: sleep infinity",
        "    volumes:",
        `      - ..:/workspaces/${name}`,
        "",
      ].join("\n"),
      "devcontainer.json": JSON.stringify({ name: "compose based", dockerComposeFile: "docker-compose.yml", service: "app", runServices: ["app"], workspaceFolder: `/workspaces/${name}`, shutdownAction: "stopCompose" }, null, 2) + "\n",
    }),
  },
  {
    name: "nonroot-cfg",
    remoteUser: "dev",
    files: (image) => ({
      "Dockerfile": `FROM ${image}\nRUN useradd -m -u 1000 -s /bin/sh dev\n`,
      "devcontainer.json": JSON.stringify({ name: "non-root user", build: { dockerfile: "Dockerfile" }, remoteUser: "dev", updateRemoteUserUID: false }, null, 2) + "\n",
    }),
  },
];

let broker: BrokerHandle;
let image: string;
let dockerApi: DockerApiService | undefined;
const tokens = new Map<string, string>(configs.map((c) => [c.name, makeSentinel(`GH_${c.name.replace(/-/g, "_").toUpperCase()}`)]));
const containers = new Map<string, string[]>();
const targets = new Map<string, CliTarget>();

/**
 * Removes what the CLI leaves in the shared podman store: the images it built for our
 * configurations (vsc-<config>-…, named after each run's temp workspace, so they pile up)
 * and the build containers podman's Docker API keeps after a compose build from our image.
 */
async function removeSuiteLeftovers(baseImage: string, names: string[]): Promise<void> {
  const list = await podmanOk(["ps", "-a", "--external", "--format", "{{.ID}} {{.Image}} {{.Names}}"]).catch(() => "");
  const working = list.split("\n").map((l) => l.split(" ")).filter(([, img, name]) => img === baseImage && name?.includes("working-container") === true).map(([id]) => id ?? "");
  if (working.length > 0) await podmanOk(["rm", "-f", ...working]).catch(() => undefined);
  const images = (await podmanOk(["images", "--format", "{{.ID}} {{.Repository}}"]).catch(() => "")).split("\n").map((l) => l.split(" "))
    .filter(([, repo]) => names.some((n) => repo?.includes(`/vsc-${n}-`) === true)).map(([id]) => id ?? "");
  if (images.length > 0) await podmanOk(["rmi", "-f", ...new Set(images)]).catch(() => undefined);
  // The network docker-compose made for each compose project (<folder>_devcontainer_default).
  for (const n of names) await podmanOk(["network", "rm", "-f", `${n}_devcontainer_default`]).catch(() => undefined);
}

/** `remo-secrets get` with a deadline, inside the container: the broker may just be coming back. */
const getWithin = (seconds: number, name: string): string =>
  `end=$(($(date +%s) + ${String(seconds)})); until remo-secrets get ${name} >/dev/null 2>&1; do [ "$(date +%s)" -ge "$end" ] && { remo-secrets get ${name}; exit 7; }; sleep 0.1; done; remo-secrets get ${name}`;

describe.skipIf(skipReason !== null)("devcontainer CLI + podman with the remo-secrets feature", () => {
  beforeAll(async () => {
    image = await ensureNodeImage();
    broker = await startBroker();
    for (const c of configs) {
      const { projectPath } = await broker.registerProject(c.name, { allowlist: ["GITHUB_TOKEN"], ...(c.remoteUser === "root" ? {} : { socketOwner: "1000:1000" }) });
      await broker.pushSecrets({ GITHUB_TOKEN: tokens.get(c.name) ?? "" }, c.name);
      for (const [file, text] of Object.entries(c.files(image, c.name))) writeFileSync(join(projectPath, ".devcontainer", file), text);
      spawnSync("git", ["init", "-q", projectPath]);
      targets.set(c.name, { workspace: projectPath });
    }
    if (configs.some((c) => c.compose === true)) {
      mkdirSync(join(broker.dir, "docker"), { recursive: true });
      dockerApi = await startDockerApi(join(broker.dir, "docker", "podman.sock"));
      for (const c of configs.filter((x) => x.compose === true)) targets.set(c.name, { workspace: targets.get(c.name)?.workspace ?? "", dockerHost: dockerApi.dockerHost });
    }
  });

  afterAll(async () => {
    await removeContainersLabelled(suiteLabel);
    // Compose names its containers by project, not by our label: remove those too.
    for (const ids of containers.values()) if (ids.length > 0) await podmanOk(["rm", "-f", "-t", "0", ...ids]).catch(() => undefined);
    await dockerApi?.stop();
    await broker.stop();
    await removeSuiteLeftovers(image, configs.map((c) => c.name));
  });

  for (const c of configs) {
    describe(c.name, () => {
      const t = (): CliTarget => {
        const target = targets.get(c.name);
        if (target === undefined) throw new Error(`no target for ${c.name}`);
        return target;
      };
      const token = (): string => tokens.get(c.name) ?? "";

      it("synthesizes with the project's own code, and the real CLI reads the result", async () => {
        const r = await synthesize(t().workspace, broker.runtimeDir);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        const config = await readConfiguration(t());
        expect(config.mounts).toEqual([`source=${broker.runtimeDir}/projects/${c.name},target=/run/remo-broker,type=bind,readonly`]);
        expect(Object.keys(config.features as object)).toEqual(["./remo-secrets"]);
      });

      it("builds and starts; postStartCommand reports the secret available", async () => {
        const up = await devcontainerUp(t());
        expect(up.outcome, up.log.slice(-3000)).toMatchObject({ outcome: "success", remoteUser: c.remoteUser });
        containers.set(c.name, [up.outcome.containerId ?? ""]);
        expect(up.log).toContain(`remo-secrets: project ${c.name}, 1 of 1 secrets available`);
      });

      it("gives the remoteUser the value through get, exec, env and git's credential helper", async () => {
        const who = await devcontainerExec(t(), "id -un");
        expect(who.stdout.trim()).toBe(c.remoteUser);
        const get = await devcontainerExec(t(), "remo-secrets get GITHUB_TOKEN");
        expect({ code: get.code, value: sameSecret(get.stdout.replace(/\n$/, ""), token()) }).toEqual({ code: 0, value: "equal" });
        const exec = await devcontainerExec(t(), "remo-secrets exec --only GITHUB_TOKEN -- sh -c 'printf %s \"$GITHUB_TOKEN\"'");
        expect({ code: exec.code, value: sameSecret(exec.stdout, token()) }).toEqual({ code: 0, value: "equal" });
        const env = await devcontainerExec(t(), "eval \"$(remo-secrets env GITHUB_TOKEN)\" && printf %s \"$GITHUB_TOKEN\"");
        expect({ code: env.code, value: sameSecret(env.stdout, token()) }).toEqual({ code: 0, value: "equal" });
        const git = await devcontainerExec(t(), "printf 'protocol=https\\nhost=github.com\\n\\n' | git credential fill | sed -n 's/^password=//p'");
        expect({ code: git.code, value: sameSecret(git.stdout.replace(/\n$/, ""), token()) }).toEqual({ code: 0, value: "equal" });
      });

      it("records in the audit which container asked (its podman id and name)", async () => {
        const id = containers.get(c.name)?.[0] ?? "";
        const name = (await podmanOk(["inspect", "--format", "{{.Name}}", id])).trim();
        // The audit is flushed off the request path: wait for it, with a deadline.
        const deadline = Date.now() + 5_000;
        let gets: AuditRecord[] = [];
        for (;;) {
          gets = parseAuditLines(readFileSync(broker.auditFile, "utf8")).filter((r) => r.event === "secret.get" && r.project === c.name && r.outcome === "ok");
          if (gets.some((r) => r.container?.name !== undefined) || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(gets.length).toBeGreaterThan(0);
        expect(gets.map((r) => ({ id: r.container?.id, engine: r.container?.engine }))).toEqual(gets.map(() => ({ id, engine: "podman" })));
        expect(gets.map((r) => r.container?.name).filter((n) => n !== undefined)).toContain(name);
      });

      it("is refused a name outside the allowlist, with a message that says what to do", async () => {
        const r = await devcontainerExec(t(), "remo-secrets get NPM_TOKEN");
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/NPM_TOKEN.*allowlist/s);
      });

      it("keeps getting its secret in the same running container after the broker is killed and restarted", async () => {
        await broker.kill9();
        await broker.restart();
        const r = await devcontainerExec(t(), getWithin(5, "GITHUB_TOKEN"));
        expect({ code: r.code, value: sameSecret(r.stdout.replace(/\n$/, ""), token()), stderr: r.stderr.slice(-500) }).toEqual({ code: 0, value: "equal", stderr: "" });
      });

      it("rebuilds with devcontainer up --remove-existing-container and works again", async () => {
        const up = await devcontainerUp(t(), { removeExisting: true });
        expect(up.outcome, up.log.slice(-3000)).toMatchObject({ outcome: "success" });
        containers.set(c.name, [...(containers.get(c.name) ?? []), up.outcome.containerId ?? ""]);
        expect(up.log).toContain(`remo-secrets: project ${c.name}, 1 of 1 secrets available`);
        const get = await devcontainerExec(t(), "remo-secrets get GITHUB_TOKEN");
        expect({ code: get.code, value: sameSecret(get.stdout.replace(/\n$/, ""), token()) }).toEqual({ code: 0, value: "equal" });
      });

      it("leaves no value in the container's files, its image layers, podman inspect or the CLI's logs", async () => {
        const id = containers.get(c.name)?.at(-1) ?? "";
        const imageId = (await podmanOk(["inspect", "--format", "{{.Image}}", id])).trim();
        const where: Record<string, boolean> = {
          "podman export (container files)": await podmanOutputContains(["export", id], token()),
          "podman image save (layers)": await podmanOutputContains(["image", "save", imageId], token()),
          "podman inspect": (await podmanOk(["inspect", id])).includes(token()),
        };
        expect(where).toEqual({ "podman export (container files)": false, "podman image save (layers)": false, "podman inspect": false });
        if (c === configs[0]) {
          // The scans can see: text the feature wrote into the image is found by the same code.
          const marker = "written by the remo-secrets devcontainer feature";
          expect({ export: await podmanOutputContains(["export", id], marker), save: await podmanOutputContains(["image", "save", imageId], marker) }).toEqual({ export: true, save: true });
        }
        expect(findLeaks(token(), { "devcontainer CLI output": cliLogs.join("\n"), "broker output": broker.output(), "audit": readFileSync(broker.auditFile, "utf8") })).toEqual([]);
      });
    });
  }
});
