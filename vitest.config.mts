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
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Real processes and sockets on 2 cores: keep files from starving each other.
          maxWorkers: 2,
        },
      },
    ],
  },
});
