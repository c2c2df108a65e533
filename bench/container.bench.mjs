// Real containers (root podman + runc, driven by the devcontainer CLI), each figure beside a
// reference measured in the same run:
//   - `devcontainer up` with the remo-secrets feature vs the same config without it (goal <= 1.10x),
//     and vs the same config with a feature that does nothing (the CLI builds an image for any feature)
//   - on an image without Node: the uncached build time and image size the feature adds
//   - fetching 20 secrets in the container (`remo-secrets env` with 20 names, what an
//     exportSecrets shell or a postStartCommand does) vs `node -e 0` in the same container
// Uses the Node image the container suite builds and caches (npm run test:container).
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, startBroker } from "./lib.mjs";

const runs = Number(process.env.BENCH_CONTAINER_RUNS ?? 3);

/** The same engine settings as test/helpers/podman.ts: runc, no default ulimits, cgroupfs. */
function engineFiles(dir) {
  const conf = join(dir, "containers.conf");
  writeFileSync(conf, "[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n");
  const wrapper = join(dir, "podman-wrapper.sh");
  // Root podman refuses the --userns=keep-id the CLI adds for podman.
  writeFileSync(wrapper, `#!/bin/sh\nCONTAINERS_CONF='${conf}'; export CONTAINERS_CONF\nn=$#\nwhile [ "$n" -gt 0 ]; do a=$1; shift; n=$((n - 1)); case "$a" in --userns=keep-id) continue ;; esac; set -- "$@" "$a"; done\nexec podman "$@"\n`);
  chmodSync(wrapper, 0o755);
  return { conf, wrapper };
}

export async function run(ctx) {
  const area = "container";
  if (process.getuid?.() !== 0) return [{ area, what: "(all)", skipped: "not root: needs root podman" }];
  if (spawnSync("sh", ["-c", "command -v podman && command -v runc"]).status !== 0) return [{ area, what: "(all)", skipped: "podman/runc not installed (scripts/ensure-system-deps.sh)" }];
  const { conf, wrapper } = engineFiles(ctx.tmp);
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const release = /^VERSION_CODENAME=(\S+)$/m.exec(spawnSync("cat", ["/etc/os-release"], { encoding: "utf8" }).stdout)?.[1] ?? "bookworm";
  const image = `localhost/remo-test-debian-node:${release}-node${process.versions.node}-1`;
  if (spawnSync("podman", ["image", "exists", image], { env }).status !== 0) {
    return [{ area, what: "(all)", skipped: `image ${image} is not built yet: run npm run test:container once` }];
  }
  const cli = join(ctx.root, "node_modules", "@devcontainers", "cli", "devcontainer.js");
  const label = `remo-bench=${process.pid}`;
  const names = Array.from({ length: 20 }, (_, i) => `SECRET_${String(i).padStart(2, "0")}`);
  const b = await startBroker(ctx);
  const workspaces = [];
  try {
    const workspace = (name, withFeature, base = image) => {
      const dir = join(ctx.tmp, "projects", name);
      mkdirSync(join(dir, ".devcontainer"), { recursive: true });
      writeFileSync(join(dir, ".devcontainer", "remo-broker.toml"), `schema_version = 1\n\n[project]\nname = "${name}"\n\n[allowlist]\nsecrets = [${names.map((n) => JSON.stringify(n)).join(", ")}]\n`);
      const config = { image: base };
      if (withFeature) {
        cpSync(join(ctx.root, "devcontainer-feature", "src", "remo-secrets"), join(dir, ".devcontainer", "remo-secrets"), { recursive: true });
        config.features = { "./remo-secrets": {} };
        config.mounts = [`source=${b.runtimeDir}/projects/${name},target=/run/remo-broker,type=bind,readonly`];
      }
      writeFileSync(join(dir, ".devcontainer", "devcontainer.json"), JSON.stringify(config, null, 2));
      workspaces.push(dir);
      return dir;
    };
    const up = (dir, extra = []) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [cli, "up", "--workspace-folder", dir, "--docker-path", wrapper, "--id-label", label, "--id-label", `ws=${dir}`, "--remove-existing-container", ...extra], { env, encoding: "utf8" });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 0) throw new Error(`devcontainer up failed: ${r.stdout.slice(-800)}`);
      return ms;
    };
    const withFeature = workspace("bench-with", true);
    const without = workspace("bench-without", false);
    // Any feature makes the CLI build an image on every up: a feature that does nothing shows that share.
    const noop = workspace("bench-noop", false);
    mkdirSync(join(noop, ".devcontainer", "noop"), { recursive: true });
    writeFileSync(join(noop, ".devcontainer", "noop", "devcontainer-feature.json"), JSON.stringify({ id: "noop", version: "1.0.0", name: "does nothing" }));
    writeFileSync(join(noop, ".devcontainer", "noop", "install.sh"), "#!/bin/sh\ntrue\n");
    writeFileSync(join(noop, ".devcontainer", "devcontainer.json"), JSON.stringify({ image, features: { "./noop": {} } }, null, 2));
    b.admin(["register", "--name", "bench-with", "--project-path", withFeature]);
    const { Encrypter } = await import("age-encryption");
    const e = new Encrypter();
    e.addRecipient(b.recipient);
    b.admin(["push-creds", "--project", "bench-with"], Buffer.from(await e.encrypt(names.map((n, i) => `${n} = "value-${i}-${"x".repeat(40)}"`).join("\n") + "\n")));

    ctx.log(`warming up both configurations, then ${runs} interleaved devcontainer up runs each`);
    up(withFeature);
    up(without);
    up(noop);
    const upWith = [];
    const upWithout = [];
    const upNoop = [];
    for (let i = 0; i < runs; i++) {
      upWith.push(up(withFeature));
      upWithout.push(up(without));
      upNoop.push(up(noop));
    }

    // Inside the container: time one process, in ns, with the container's own clock.
    const id = spawnSync("podman", ["ps", "-q", "--no-trunc", "--filter", `label=ws=${withFeature}`], { env, encoding: "utf8" }).stdout.trim();
    const inside = (cmd) => {
      const r = spawnSync("podman", ["exec", id, "sh", "-c", `s=$(date +%s%N); ${cmd} >/dev/null || exit 9; e=$(date +%s%N); echo $((e - s))`], { env, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${cmd} failed in the container: ${r.stderr.slice(-500)}`);
      return Number(r.stdout.trim()) / 1e6;
    };
    const fetch = [];
    const nodeE0 = [];
    for (let i = 0; i < 15; i++) {
      fetch.push(inside(`remo-secrets env ${names.join(" ")}`));
      nodeE0.push(inside("node -e 0"));
    }
    // Image sizes: what the feature's layer adds on top of each base.
    const imageOf = (dir) => spawnSync("podman", ["ps", "-q", "--no-trunc", "--filter", `label=ws=${dir}`, "--format", "{{.ImageID}}"], { env, encoding: "utf8" }).stdout.trim();
    const sizeMiB = (ref) => Number(spawnSync("podman", ["image", "inspect", "--format", "{{.Size}}", ref], { env, encoding: "utf8" }).stdout.trim()) / 2 ** 20;
    const rows = [];
    const noNodeImage = `localhost/remo-test-debian:${release}-minbase-1`;
    if (spawnSync("podman", ["image", "exists", noNodeImage], { env }).status === 0) {
      // One uncached build each: the feature installs Debian's nodejs from the network here.
      const noNodeWith = workspace("bench-nonode-with", true, noNodeImage);
      const noNodeWithout = workspace("bench-nonode-without", false, noNodeImage);
      b.admin(["register", "--name", "bench-nonode-with", "--project-path", noNodeWith]);
      ctx.log("building on the image without Node (installs the distribution's nodejs: needs the network)");
      const withMs = up(noNodeWith, ["--build-no-cache"]);
      const withoutMs = up(noNodeWithout, ["--build-no-cache"]);
      rows.push({ area, what: "devcontainer up, image without Node, uncached (feature installs Debian nodejs)", ours: withMs / 1000, reference: withoutMs / 1000, referenceLabel: "same config without it", unit: "s", goal: "report" });
      rows.push({ area, what: "image size, image without Node + feature", ours: sizeMiB(imageOf(noNodeWith)), reference: sizeMiB(noNodeImage), referenceLabel: "the base image", unit: "MiB", goal: "report" });
    } else {
      rows.push({ area, what: "image without Node", skipped: `${noNodeImage} is not built yet: run npm run test:container once` });
    }
    rows.push({ area, what: "image size, image with Node + feature", ours: sizeMiB(imageOf(withFeature)), reference: sizeMiB(image), referenceLabel: "the base image", unit: "MiB", goal: "report" });
    const ratio = median(upWith) / median(upWithout);
    return [
      ...rows,
      { area, what: "devcontainer up (image with Node), with the feature", ours: median(upWith) / 1000, reference: median(upWithout) / 1000, referenceLabel: "same config without it", unit: "s", goal: "<= 1.10x", met: ratio <= 1.1 },
      { area, what: "devcontainer up (image with Node), with the feature", ours: median(upWith) / 1000, reference: median(upNoop) / 1000, referenceLabel: "with a feature that does nothing", unit: "s", goal: "report" },
      { area, what: "fetch 20 secrets in the container (remo-secrets env)", ours: median(fetch), reference: median(nodeE0), referenceLabel: "node -e 0 there", unit: "ms", goal: "report" },
    ];
  } finally {
    const ids = spawnSync("podman", ["ps", "-aq", "--filter", `label=${label}`], { env, encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    if (ids.length > 0) spawnSync("podman", ["rm", "-f", "-t", "0", ...ids], { env });
    // The images the CLI built for the bench's workspaces (named after this run's temp paths).
    const built = spawnSync("podman", ["images", "--format", "{{.ID}} {{.Repository}}"], { env, encoding: "utf8" }).stdout.split("\n").map((l) => l.split(" ")).filter(([, repo]) => repo?.includes("/vsc-bench-")).map(([id]) => id);
    if (built.length > 0) spawnSync("podman", ["rmi", "-f", ...new Set(built)], { env });
    b.child.kill("SIGTERM");
  }
}
