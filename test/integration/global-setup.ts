import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Builds dist/ once before the integration tests: they run the real bundles
 * (dist/remo-broker.js, …). REMO_TEST_SKIP_BUILD=1 skips it when dist/ was just built.
 */
export default function setup(): void {
  if (process.env.REMO_TEST_SKIP_BUILD === "1") {
    process.stderr.write("global-setup: REMO_TEST_SKIP_BUILD=1, using the existing dist/\n");
    return;
  }
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["esbuild.mjs"], { cwd: root, stdio: "inherit" });
}
