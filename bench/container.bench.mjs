// Real containers (root podman + runc, driven by the devcontainer CLI), each figure beside a
// reference measured in the same run:
//   - `devcontainer up` with the remo-secrets feature vs the same config without it (goal <= 1.10x),
//     and vs the same config with a feature that does nothing (the CLI builds an image for any feature)
//   - where that extra time goes: the CLI's two `podman build`s (and how many of their steps came
//     from podman's layer cache) and the feature's postStartCommand, from the CLI's trace timestamps
//   - `devcontainer up` from an image prebuilt with the feature (`devcontainer build --image-name`,
//     the config then lists no feature, so the CLI builds nothing) vs the same config without it,
//     vs a config whose postStartCommand is `true` (what the CLI spends on any lifecycle command),
//     and both with --skip-non-blocking-commands (up returns before postStartCommand, which an
//     editor runs after it attaches)
//   - `devcontainer up` when the container exists but is stopped (a reopen): the CLI starts it
//     and builds nothing, with the feature or without
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

/**
 * The devcontainer CLI's `--log-format json` trace: `span(match)` is the summed duration of the
 * commands whose start/stop text matches; `raw` is the commands' own output (podman's build log).
 */
function traceOf(out) {
  const events = [];
  for (const line of out.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      // a line of a command's output that happens to start with "{"
    }
  }
  const raw = events.filter((e) => e.type === "raw").map((e) => String(e.text)).join("");
  const span = (match) => {
    const open = new Map();
    let ms = 0;
    for (const e of events) {
      if (typeof e.text !== "string" || !match(e.text)) continue;
      if (e.type === "start") open.set(e.text, e.timestamp);
      else if (e.type === "stop" && open.has(e.text)) { ms += e.timestamp - open.get(e.text); open.delete(e.text); }
    }
    if (ms === 0) throw new Error("the CLI's trace has no matching command: its log format changed");
    return ms;
  };
  return { raw, span };
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
  const prebuilt = `localhost/remo-bench-prebuilt:${process.pid}`;
  const names = Array.from({ length: 20 }, (_, i) => `SECRET_${String(i).padStart(2, "0")}`);
  const b = await startBroker(ctx);
  const workspaces = [];
  try {
    const workspace = (name, withFeature, base = image, mount = withFeature) => {
      const dir = join(ctx.tmp, "projects", name);
      mkdirSync(join(dir, ".devcontainer"), { recursive: true });
      writeFileSync(join(dir, ".devcontainer", "remo-broker.toml"), `schema_version = 1\n\n[project]\nname = "${name}"\n\n[allowlist]\nsecrets = [${names.map((n) => JSON.stringify(n)).join(", ")}]\n`);
      const config = { image: base };
      if (withFeature) {
        cpSync(join(ctx.root, "devcontainer-feature", "src", "remo-secrets"), join(dir, ".devcontainer", "remo-secrets"), { recursive: true });
        config.features = { "./remo-secrets": {} };
      }
      if (mount) config.mounts = [`source=${b.runtimeDir}/projects/${name},target=/run/remo-broker,type=bind,readonly`];
      writeFileSync(join(dir, ".devcontainer", "devcontainer.json"), JSON.stringify(config, null, 2));
      workspaces.push(dir);
      return dir;
    };
    const upRun = (dir, extra = [], remove = true) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [cli, "up", "--workspace-folder", dir, "--docker-path", wrapper, "--id-label", label, "--id-label", `ws=${dir}`, ...(remove ? ["--remove-existing-container"] : []), ...extra], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 0) throw new Error(`devcontainer up failed: ${r.stdout.slice(-800)}`);
      return { ms, out: r.stdout + r.stderr };
    };
    const up = (dir, extra = []) => upRun(dir, extra).ms;
    const withFeature = workspace("bench-with", true);
    const without = workspace("bench-without", false);
    // Any feature makes the CLI build an image on every up: a feature that does nothing shows that share.
    const noop = workspace("bench-noop", false);
    mkdirSync(join(noop, ".devcontainer", "noop"), { recursive: true });
    writeFileSync(join(noop, ".devcontainer", "noop", "devcontainer-feature.json"), JSON.stringify({ id: "noop", version: "1.0.0", name: "does nothing" }));
    writeFileSync(join(noop, ".devcontainer", "noop", "install.sh"), "#!/bin/sh\ntrue\n");
    writeFileSync(join(noop, ".devcontainer", "devcontainer.json"), JSON.stringify({ image, features: { "./noop": {} } }, null, 2));
    const { Encrypter } = await import("age-encryption");
    const e = new Encrypter();
    e.addRecipient(b.recipient);
    const creds = Buffer.from(await e.encrypt(names.map((n, i) => `${n} = "value-${i}-${"x".repeat(40)}"`).join("\n") + "\n"));
    const registerWithCreds = (name, dir) => {
      b.admin(["register", "--name", name, "--project-path", dir]);
      b.admin(["push-creds", "--project", name], creds);
    };
    registerWithCreds("bench-with", withFeature);

    ctx.log(`warming up the configurations, then ${runs} interleaved devcontainer up runs each`);
    up(withFeature);
    up(without);
    up(noop);
    // The prebuild route: the image `up` builds for bench-with, built once under a name. A config
    // that names it and lists no feature gets the feature's postStartCommand and mount from the
    // image's metadata label, and the CLI builds nothing on `up`. Built after the warm-up, so
    // podman's layer cache holds its steps, as on a machine that built it before.
    const t0 = process.hrtime.bigint();
    const pb = spawnSync(process.execPath, [cli, "build", "--workspace-folder", withFeature, "--docker-path", wrapper, "--image-name", prebuilt], { env, encoding: "utf8" });
    const prebuildMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (pb.status !== 0) throw new Error(`devcontainer build --image-name failed: ${pb.stdout.slice(-800)}${pb.stderr.slice(-800)}`);
    const fromPrebuilt = workspace("bench-prebuilt", false, prebuilt, true);
    registerWithCreds("bench-prebuilt", fromPrebuilt);
    // The CLI's own cost of running one lifecycle command (its login-shell environment probe and a
    // `podman exec`): the same base image with a postStartCommand that does nothing.
    const withTrue = workspace("bench-true", false);
    writeFileSync(join(withTrue, ".devcontainer", "devcontainer.json"), JSON.stringify({ image, postStartCommand: "true" }, null, 2));
    const skip = ["--skip-non-blocking-commands"];
    up(fromPrebuilt);
    up(withTrue);
    up(fromPrebuilt, skip);
    up(without, skip);
    const upWith = [];
    const upWithout = [];
    const upNoop = [];
    const upPrebuilt = [];
    const upTrue = [];
    const upPrebuiltSkip = [];
    const upWithoutSkip = [];
    for (let i = 0; i < runs; i++) {
      upWith.push(up(withFeature));
      upWithout.push(up(without));
      upNoop.push(up(noop));
      upPrebuilt.push(up(fromPrebuilt));
      upTrue.push(up(withTrue));
      upPrebuiltSkip.push(up(fromPrebuilt, skip));
      upWithoutSkip.push(up(without, skip));
    }
    // A figure for a container that does not work would mean nothing: the prebuilt one must mount
    // its own project's directory and serve a secret.
    const prebuiltId = spawnSync("podman", ["ps", "-q", "--no-trunc", "--filter", `label=ws=${fromPrebuilt}`], { env, encoding: "utf8" }).stdout.trim();
    const mounts = spawnSync("podman", ["inspect", "--format", "{{range .Mounts}}{{.Source}}>{{.Destination}} {{end}}", prebuiltId], { env, encoding: "utf8" }).stdout;
    if (!mounts.includes(`${b.runtimeDir}/projects/bench-prebuilt>/run/remo-broker`)) throw new Error(`the prebuilt container does not mount its project directory: ${mounts}`);
    if (spawnSync("podman", ["exec", prebuiltId, "sh", "-c", `remo-secrets get ${names[0]} >/dev/null`], { env }).status !== 0) throw new Error("remo-secrets get failed in the container started from the prebuilt image");

    // A reopen: the container exists, stopped; `up` starts it again (postStartCommand runs on
    // every start) and builds nothing.
    const reopen = (dir) => {
      const id = spawnSync("podman", ["ps", "-q", "--no-trunc", "--filter", `label=ws=${dir}`], { env, encoding: "utf8" }).stdout.trim();
      if (id === "" || spawnSync("podman", ["stop", "-t", "0", id], { env }).status !== 0) throw new Error(`no running container to stop for ${dir}`);
      return upRun(dir, [], false).ms;
    };
    const reopenWith = [];
    const reopenWithout = [];
    for (let i = 0; i < runs; i++) {
      reopenWith.push(reopen(withFeature));
      reopenWithout.push(reopen(without));
    }

    // Where the feature's extra time goes, from the CLI's own trace: each command it runs is a
    // start/stop pair with timestamps, and podman's build output says which steps were cached.
    ctx.log(`${runs} traced devcontainer up runs with the feature`);
    const builds = [];
    const postStarts = [];
    const probes = [];
    let steps = 0;
    let cached = 0;
    for (let i = 0; i < runs; i++) {
      const trace = traceOf(upRun(withFeature, ["--log-level", "trace", "--log-format", "json"]).out);
      builds.push(trace.span((t) => t.startsWith(`Run: ${wrapper} build `)));
      postStarts.push(trace.span((t) => t.includes("remo-secrets-startup") && t.startsWith("Run in container:")));
      probes.push(trace.span((t) => t.startsWith("Run in container: /bin/bash -lic echo -n ")));
      steps = (trace.raw.match(/STEP \d+\/\d+: (?!FROM )/g) ?? []).length;
      cached = (trace.raw.match(/--> Using cache /g) ?? []).length;
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
    const extra = (median(upWith) - median(upWithout)) / 1000;
    return [
      ...rows,
      { area, what: "devcontainer up (image with Node), with the feature", ours: median(upWith) / 1000, reference: median(upWithout) / 1000, referenceLabel: "same config without it", unit: "s", goal: "<= 1.10x", met: ratio <= 1.1 },
      { area, what: "devcontainer up (image with Node), with the feature", ours: median(upWith) / 1000, reference: median(upNoop) / 1000, referenceLabel: "with a feature that does nothing", unit: "s", goal: "report" },
      { area, what: `of which the CLI's 2 podman builds (${cached} of ${steps} steps from podman's layer cache), traced`, ours: median(builds) / 1000, reference: extra, referenceLabel: "what the feature adds to up", unit: "s", goal: "report" },
      { area, what: "of which the feature's postStartCommand (remo-secrets-startup), traced", ours: median(postStarts) / 1000, reference: extra, referenceLabel: "what the feature adds to up", unit: "s", goal: "report" },
      { area, what: "of which the CLI's login-shell env probe before a lifecycle command, traced", ours: median(probes) / 1000, reference: extra, referenceLabel: "what the feature adds to up", unit: "s", goal: "report" },
      { area, what: "devcontainer up from an image prebuilt with the feature (no feature listed)", ours: median(upPrebuilt) / 1000, reference: median(upWithout) / 1000, referenceLabel: "same config without it", unit: "s", goal: "<= 1.10x", met: median(upPrebuilt) / median(upWithout) <= 1.1 },
      { area, what: "devcontainer up from the prebuilt image", ours: median(upPrebuilt) / 1000, reference: median(upTrue) / 1000, referenceLabel: "base image, postStartCommand true", unit: "s", goal: "report" },
      { area, what: "same, up --skip-non-blocking-commands (postStartCommand left to the editor)", ours: median(upPrebuiltSkip) / 1000, reference: median(upWithoutSkip) / 1000, referenceLabel: "same config without it, same flag", unit: "s", goal: "report" },
      { area, what: "devcontainer up reopening the stopped container (no build), with the feature", ours: median(reopenWith) / 1000, reference: median(reopenWithout) / 1000, referenceLabel: "same config without it", unit: "s", goal: "report" },
      { area, what: "devcontainer build --image-name: the prebuild, once per change (layers cached)", ours: prebuildMs / 1000, reference: median(upWith) / 1000, referenceLabel: "up with the feature", unit: "s", goal: "report" },
      { area, what: "fetch 20 secrets in the container (remo-secrets env)", ours: median(fetch), reference: median(nodeE0), referenceLabel: "node -e 0 there", unit: "ms", goal: "report" },
    ];
  } finally {
    const ids = spawnSync("podman", ["ps", "-aq", "--filter", `label=${label}`], { env, encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    if (ids.length > 0) spawnSync("podman", ["rm", "-f", "-t", "0", ...ids], { env });
    // The images the CLI built for the bench's workspaces (named after this run's temp paths).
    const built = spawnSync("podman", ["images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"], { env, encoding: "utf8" }).stdout.split("\n").map((l) => l.split(" ")).filter(([, ref]) => ref?.includes("/vsc-bench-") || ref === prebuilt).map(([id]) => id);
    if (built.length > 0) spawnSync("podman", ["rmi", "-f", ...new Set(built)], { env });
    b.child.kill("SIGTERM");
  }
}
