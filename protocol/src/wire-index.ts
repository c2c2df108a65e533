// A narrow entry (#protocol/wire) for the container client: wire types, framing, the reply queue and
// errors only, so its bundle never pulls in smol-toml, Ajv or the manifest schema.
export * from "./wire.ts";
export * from "./framing.ts";
export * from "./errors.ts";
export * from "./ndjson-client.ts";
