// The one import path (#protocol) for the broker, the client, the extension and the server.
export * from "./wire.ts";
export * from "./framing.ts";
export * from "./errors.ts";
export * from "./manifest/index.ts";
export * from "./diagnostics.ts";
export * from "./bundle.ts";
export * from "./audit.ts";
export * from "./validators.ts";
export * from "./shell-quote.ts";
export * from "./compare.ts";
export * from "./editor.ts";
export * from "./ndjson-client.ts";
