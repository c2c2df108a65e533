import { describe, expect, it } from "vitest";
import { findSecretNames, isScannablePath } from "../../../extension/src/manifest-authoring/find-secret-names.ts";

describe("findSecretNames", () => {
  it("finds names in each supported language and syntax, with where they were seen", () => {
    const files = [
      { path: "src/a.ts", text: "const t = process.env.GITHUB_TOKEN;\nconst n = process.env[\"NPM_TOKEN\"] ?? process.env['DB_URL'];" },
      { path: "app.py", text: "import os\nkey = os.environ[\"OPENAI_API_KEY\"]\npw = os.getenv('PG_PASSWORD')\nx = os.environ.get(\"SENTRY_DSN\")" },
      { path: ".github/workflows/ci.yml", text: "env:\n  TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n  B: ${{ github.ref }}" },
      { path: ".env.example", text: "# comment\nSTRIPE_KEY=sk_test_xxx\nexport REDIS_URL=\nnot a line" },
      { path: "src/main.rs", text: "let k = std::env::var(\"CARGO_REGISTRY_TOKEN\").unwrap(); let v = env::var_os(\"RUST_LOG\");" },
      { path: "main.go", text: "tok := os.Getenv(\"GO_TOKEN\")\n_, ok := os.LookupEnv(\"GOPRIVATE\")" },
      { path: "config.rb", text: "ENV[\"RAILS_MASTER_KEY\"]\nENV.fetch('SMTP_PASSWORD')" },
    ];
    const found = findSecretNames(files);
    expect(found.map((f) => [f.name, f.likelySecret])).toEqual([
      ["CARGO_REGISTRY_TOKEN", true], ["DEPLOY_TOKEN", true], ["GITHUB_TOKEN", true], ["GO_TOKEN", true], ["NPM_TOKEN", true],
      ["OPENAI_API_KEY", true], ["PG_PASSWORD", true], ["RAILS_MASTER_KEY", true], ["SENTRY_DSN", true], ["SMTP_PASSWORD", true], ["STRIPE_KEY", true],
      ["DB_URL", false], ["GOPRIVATE", false], ["REDIS_URL", false], ["RUST_LOG", false],
    ]);
    expect(found.find((f) => f.name === "NPM_TOKEN")).toEqual({ name: "NPM_TOKEN", sources: ["src/a.ts:2"], likelySecret: true });
    expect(found.find((f) => f.name === "REDIS_URL")).toEqual({ name: "REDIS_URL", sources: [".env.example:3"], likelySecret: false });
  });

  it("merges sources of one name and skips ordinary process variables", () => {
    const found = findSecretNames([
      { path: "a.js", text: "process.env.API_TOKEN; process.env.NODE_ENV; process.env.PATH" },
      { path: "b.py", text: "os.environ['API_TOKEN']" },
    ]);
    expect(found).toEqual([{ name: "API_TOKEN", sources: ["a.js:1", "b.py:1"], likelySecret: true }]);
  });

  it("never reads names from a real .env file (it holds values, not examples)", () => {
    expect(findSecretNames([{ path: ".env", text: "REAL_TOKEN=abc" }])).toEqual([]);
  });

  it("finds nothing in an empty workspace", () => {
    expect(findSecretNames([])).toEqual([]);
  });
});

describe("isScannablePath", () => {
  it("accepts source, workflow and example files and skips dependency folders", () => {
    expect(["src/a.ts", "x.py", ".github/workflows/ci.yml", ".env.example", "main.go"].every(isScannablePath)).toBe(true);
    expect(["node_modules/x/index.js", ".env", "image.png", "dist/a.js"].some(isScannablePath)).toBe(false);
  });
});
