// @ts-check
import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Folder-level import bans that keep the dependency arrows pointing one way (docs/architecture.md#dependency-direction). */
const restrict = (patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

/** What the broker may not import: it depends on protocol/ and Node only. */
const brokerBans = { group: ["vscode*", "ssh2", "#protocol/lsp", "**/language-server/**", "**/extension/**"], message: "the broker depends on protocol/ and Node only" };
/** The broker's folders, top to bottom. */
const brokerFolders = ["projects", "sockets", "requests", "secrets", "audit", "files", "connections", "manifest"];
/** What no extension file may import: it starts dist/server.js by path and talks to the broker over SSH. */
const notCommands = { group: ["**/commands/*"], message: "only extension.ts imports commands/; shared helpers live in ui/, workspace/, node/, secrets/, status/" };
const notLazyDeps = { group: ["ssh2", "age-encryption"], allowTypeImports: true, message: "ssh2 and age-encryption load on first use: use them in node/ or push/ and reach those with await import()" };
const extensionBans = [{ group: ["**/language-server/**", "**/broker/**", "vscode-languageserver", "vscode-languageserver/*"], message: "the extension starts dist/server.js by path; it does not import other components" }];

export default tseslint.config(
  {
    ignores: ["dist/**", "out/**", "tmp/**", "node_modules/**", "protocol/src/generated/**", "**/*.js", "!test/vscode/harness/runner-extension/*.js", "**/*.d.mts", "devcontainer-feature/src/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  stylistic.configs.customize({ indent: 2, quotes: "double", semi: true, braceStyle: "1tbs", arrowParens: true }),
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-unnecessary-condition": ["error", { allowConstantLoopConditions: true }],
      "eqeqeq": "error",
      "curly": ["error", "multi-line"],
      "@stylistic/max-statements-per-line": "off",
      "@stylistic/operator-linebreak": "off",
    },
  },
  { files: ["protocol/**/*.ts"], rules: restrict([{ group: ["node:*", "vscode", "vscode-languageserver", "vscode-languageserver/*", "ssh2", "#protocol*"], message: "protocol/ is pure: no I/O, no editor or transport imports" }]) },
  { files: ["broker/**/*.ts"], rules: restrict([brokerBans]) },
  // Inside the broker, each folder imports only the folders below it (docs/architecture.md#components).
  ...brokerFolders.map((folder, i) => ({
    files: [`broker/src/${folder}/**/*.ts`],
    rules: restrict([brokerBans, { group: ["**/daemon.ts", "**/cli/*", ...brokerFolders.slice(0, i + 1).filter((f) => f !== folder).map((f) => `**/${f}/*`)], message: `broker/src/${folder}/ may import only the broker folders below it: ${brokerFolders.slice(i + 1).join(", ") || "none"}` }]),
  })),
  { files: ["devcontainer-feature/client/**/*.ts"], rules: restrict([{ group: ["vscode*", "ssh2", "smol-toml", "age-encryption", "#protocol/lsp", "**/broker/**"], message: "the client stays the smallest bundle: protocol wire + Node only" }]) },
  { files: ["language-server/**/*.ts"], rules: restrict([{ group: ["vscode", "vscode-languageclient*", "ssh2", "**/broker/**", "**/extension/**"], message: "the server never imports the editor or other components" }]) },
  { files: ["extension/**/*.ts"], rules: restrict(extensionBans) },
  // The extension's own layers: commands/ is the top (wired by extension.ts only), and ssh2/age
  // are used only by node/ and push/, which load as lazy bundles (see esbuild.mjs).
  { files: ["extension/src/**/*.ts"], ignores: ["extension/src/extension.ts", "extension/src/commands/**", "extension/src/node/**", "extension/src/push/**"], rules: restrict([...extensionBans, notCommands, notLazyDeps]) },
  { files: ["extension/src/extension.ts", "extension/src/commands/**/*.ts"], rules: restrict([...extensionBans, notLazyDeps]) },
  { files: ["extension/src/node/**/*.ts", "extension/src/push/**/*.ts"], rules: restrict([...extensionBans, notCommands]) },
  { files: ["test/**/*.ts", "bench/**/*.ts", "vitest.config.mts"], rules: { "@typescript-eslint/no-non-null-assertion": "off" } },
  // Plain-JS build, bench and harness scripts: no types to check, so the recommended and stylistic rules only.
  {
    files: ["**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node, parserOptions: { projectService: false } },
  },
  // The harness's runner extension is CommonJS loaded by VS Code's extension host.
  {
    files: ["test/vscode/harness/runner-extension/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: "commonjs", globals: globals.node, parserOptions: { projectService: false } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
