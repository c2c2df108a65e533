// Entry of the in-VS-Code suite (the @vscode/test-electron `extensionTestsPath` contract):
// the harness's runner extension require()s the bundle and awaits run() inside the extension host.
import type MochaClass from "mocha";

/** One test's outcome, as the harness's runner extension stores it. */
interface TestResult { title: string; state: "passed" | "failed" | "skipped"; ms?: number; error?: string }

/** Counts and per-test results. */
export interface Summary { passed: number; failed: number; skipped: number; tests: TestResult[] }

/** Runs every suite file in order; rejects (with `.summary`) when any test failed. */
export function run(): Promise<Summary> {
  // mocha stays outside the bundle (it loads reporters by name); its CJS build is required
  // from the repository's node_modules, next to out/vscode-suite/.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require("mocha/lib/mocha.cjs") as typeof MochaClass;
  const mocha = new Mocha({ ui: "tdd", timeout: 120_000, color: false, reporter: "spec" });
  mocha.suite.emit("pre-require", globalThis, "remo-vscode-suite", mocha);
  // Test modules are required after pre-require so `suite`/`test` are defined; esbuild
  // keeps them lazy because they are required, not imported.
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (process.env.REMO_E2E_SUITE === "untrusted") {
    require("./untrusted.test.ts");
  } else if (process.env.REMO_E2E_SUITE === "multiroot") {
    // The multi-root pass opens another workspace (test/fixtures/multiroot): only its own tests.
    require("./multiroot.test.ts");
  } else {
    require("./editing.test.ts");
    require("./devcontainer.test.ts");
    // The virtual-workspace pass runs the remote-window flows instead (node binding, push,
    // approval, pins, all answered through the UI); node and value-source tests ran in pass 1.
    if (process.env.REMO_E2E_SUITE !== "remote") require("./node.test.ts");
    // The Remo view after node.test.ts pushed and a container read: rows, inline actions, walkthrough.
    if (process.env.REMO_E2E_SUITE !== "remote") require("./remo-view.test.ts");
    require("./authoring.test.ts");
    if (process.env.REMO_E2E_SUITE !== "remote") require("./sources.test.ts");
    if (process.env.REMO_E2E_SUITE === "remote") require("./remote.test.ts");
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new Promise((resolve, reject) => {
    const tests: TestResult[] = [];
    const runner = mocha.run((failures: number) => {
      const summary: Summary = {
        passed: tests.filter((t) => t.state === "passed").length,
        failed: failures,
        skipped: tests.filter((t) => t.state === "skipped").length,
        tests,
      };
      if (failures > 0) reject(Object.assign(new Error(`${failures} test(s) failed`), { summary }));
      else resolve(summary);
    });
    runner.on("pass", (t: MochaClass.Test) => tests.push({ title: t.fullTitle(), state: "passed", ms: t.duration ?? 0 }));
    runner.on("pending", (t: MochaClass.Test) => tests.push({ title: t.fullTitle(), state: "skipped" }));
    runner.on("fail", (t: MochaClass.Test, e: unknown) => tests.push({ title: t.fullTitle(), state: "failed", error: e instanceof Error ? e.stack ?? e.message : String(e) }));
  });
}
