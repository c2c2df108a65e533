import { defineConfig } from "vitest/config";

// Two projects so `npm run test:unit` stays fast: unit tests touch no sockets or processes.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          // Integration tests run the real built bundles: build dist/ once first.
          globalSetup: ["test/integration/global-setup.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Real processes and sockets on 2 cores: keep files from starving each other.
          maxWorkers: 2,
        },
      },
      {
        test: {
          // The whole loop as a user meets it: real sshd, broker, client, extension modules.
          name: "e2e",
          globalSetup: ["test/integration/global-setup.ts"],
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Each file drives several real processes; one file at a time on 2 shared cores.
          maxWorkers: 1,
        },
      },
      {
        test: {
          // The devcontainer feature's install.sh, run for real in a debootstrap chroot (needs root).
          name: "feature",
          include: ["test/feature/**/*.test.ts"],
          environment: "node",
          testTimeout: 600_000,
          hookTimeout: 900_000,
          maxWorkers: 1,
        },
      },
      {
        test: {
          // Real containers: the devcontainer CLI driving root podman + runc (needs root).
          name: "container",
          globalSetup: ["test/integration/global-setup.ts"],
          include: ["test/container/**/*.test.ts"],
          environment: "node",
          testTimeout: 600_000,
          hookTimeout: 900_000,
          maxWorkers: 1,
        },
      },
      {
        test: {
          // A real systemd node: systemd 252 booted in a root podman container, the broker installed
          // by its own install.sh and run by the shipped unit (needs root).
          name: "system",
          globalSetup: ["test/integration/global-setup.ts"],
          include: ["test/system/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 600_000,
          maxWorkers: 1,
        },
      },
      {
        test: {
          // Soak, faults, hostile input, netlab: bounded in count and time, loopback only.
          name: "reliability",
          globalSetup: ["test/integration/global-setup.ts"],
          include: ["test/reliability/**/*.test.ts"],
          environment: "node",
          testTimeout: 600_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
