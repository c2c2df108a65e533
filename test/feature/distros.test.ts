import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "./debian-root.ts";
import { ensureStagedClient, inRootFeature, newFeatureSandbox, skipReason } from "./feature-sandbox.ts";

// install.sh's distribution branches (Alpine apk, RHEL dnf/microdnf/yum, Ubuntu apt)
// in the Debian chroot: /etc/os-release says which distribution it is, and the
// package manager is a recording stand-in that "installs" Node by linking the host's.
// No Alpine or RHEL mirror is reachable here, so this tests install.sh's choices, not
// those distributions' packages (the real Debian apt path is in install.test.ts).
if (skipReason !== null) console.warn(`SKIPPED: feature distro tests: ${skipReason}`);

const hostNodeAt = { from: process.execPath, to: "/opt/host-node/node", file: true };

const sandboxes: Sandbox[] = [];

/** A sandbox that claims to be another distribution, with fake package managers `tools`. */
function distroSandbox(osRelease: string, tools: string[], fakeNodeVersion?: string): Sandbox {
  const s = newFeatureSandbox();
  sandboxes.push(s);
  mkdirSync(join(s.upper, "etc"), { recursive: true });
  writeFileSync(join(s.upper, "etc/os-release"), osRelease);
  const sbin = join(s.upper, "usr/local/sbin");
  mkdirSync(sbin, { recursive: true });
  for (const tool of tools) {
    writeFileSync(join(sbin, tool), `#!/bin/sh\necho "${tool} $*" >> /tmp/package-manager.log\ncase "$*" in *nodejs*) ln -sf /opt/host-node/node /usr/bin/node ;; esac\n`);
    chmodSync(join(sbin, tool), 0o755);
  }
  if (fakeNodeVersion !== undefined) {
    // An old Node first on PATH, as on an image whose distribution ships Node 16.
    writeFileSync(join(s.upper, "usr/local/bin/node"), `#!/bin/sh\nprintf ${fakeNodeVersion}\n`);
    chmodSync(join(s.upper, "usr/local/bin/node"), 0o755);
  }
  return s;
}

async function installIn(s: Sandbox): Promise<{ status: number | null; stdout: string; stderr: string; log: string }> {
  const r = await s.run(`cd ${inRootFeature} && sh ./install.sh`, { binds: [hostNodeAt] });
  let log = "";
  try {
    log = readFileSync(join(s.upper, "tmp/package-manager.log"), "utf8");
  } catch {
    // no package manager ran
  }
  return { ...r, log };
}

describe.skipIf(skipReason !== null)("install.sh on other distributions (recording package managers)", () => {
  beforeAll(() => { ensureStagedClient(); });
  afterEach(() => { for (const s of sandboxes.splice(0)) s.cleanup(); });

  const cases: [string, string, string[], string][] = [
    ["Alpine uses apk", "ID=alpine\nVERSION_ID=3.20.0\n", ["apk"], "apk add --no-cache nodejs\n"],
    ["Rocky (ID_LIKE rhel) uses dnf", "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", ["dnf", "yum"], "dnf install -y nodejs\ndnf clean all\n"],
    ["UBI minimal uses microdnf", "ID=\"rhel\"\n", ["microdnf"], "microdnf install -y nodejs\nmicrodnf clean all\n"],
    ["Amazon Linux 2 uses yum", "ID=\"amzn\"\nID_LIKE=\"centos rhel fedora\"\n", ["yum"], "yum install -y nodejs\nyum clean all\n"],
    ["Ubuntu (ID_LIKE debian) uses apt-get", "ID=ubuntu\nID_LIKE=debian\n", ["apt-get"], "apt-get install -y --no-install-recommends nodejs\n"],
  ];
  for (const [label, osRelease, tools, expected] of cases) {
    it(`${label}, then the client runs`, async () => {
      const s = distroSandbox(osRelease, tools);
      const r = await installIn(s);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.log).toBe(expected);
      const v = await s.run("remo-secrets --version", { binds: [hostNodeAt] });
      expect(v.stdout).toBe("remo-secrets 0.1.0\n");
    });
  }

  it("runs apt-get update only when the image has no package lists, and removes them after", async () => {
    const s = distroSandbox("ID=ubuntu\nID_LIKE=debian\n", ["apt-get"]);
    // Images ship without lists; the debootstrap root has them, so hide them in the upper layer.
    const r0 = await s.run("rm -f /var/lib/apt/lists/*_Packages /var/lib/apt/lists/*Release* && ls /var/lib/apt/lists");
    expect(r0.status).toBe(0);
    const r = await installIn(s);
    expect(r.status).toBe(0);
    expect(r.log).toBe("apt-get update -y\napt-get install -y --no-install-recommends nodejs\n");
  });

  it("fails with guidance when the distribution's Node is too old", async () => {
    const s = distroSandbox("ID=ubuntu\nID_LIKE=debian\n", ["apt-get"], "16");
    const r = await installIn(s);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("remo-secrets feature: node 16 is too old for remo-secrets (needs >= 18)");
    expect(r.stderr).toBe("remo-secrets feature: ERROR: the distribution's nodejs is older than 18 (16); add the node feature (ghcr.io/devcontainers/features/node) before remo-secrets\n");
  });

  it("fails clearly on a RHEL-family image without a package manager", async () => {
    const s = distroSandbox("ID=fedora\n", []);
    const r = await installIn(s);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("remo-secrets feature: ERROR: this RHEL-family image has no dnf, microdnf or yum to install Node with; add the node feature (ghcr.io/devcontainers/features/node) before remo-secrets\n");
  });
});
