import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Builds dist/ once before the integration tests: they run the real bundles (dist/remo-broker.js, …). */
export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["esbuild.mjs"], { cwd: root, stdio: "inherit" });
}
