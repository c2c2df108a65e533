// The SSH side of the extension, built as its own bundle (dist/extension-node.js) that loads on
// first use: it carries ssh2. Code that runs at activation reaches it only through
// `await import("../node/index.ts")` (or `import type`), which the build turns into a require of
// that file; a static import would pull ssh2 into the activation bundle (a bundle test checks).
export { NodeClient, probeNode, type NodeClientDeps, type RegisterOptions } from "./admin-client.ts";
