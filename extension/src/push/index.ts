// Pushing secrets, built as its own bundle (dist/extension-push.js) that loads on first push: it
// carries age-encryption and reaches the SSH side through node/index.ts, itself loaded lazily.
// Reach it only through `await import("../push/index.ts")`.
export { pushSecrets, type PushResult } from "./push-secrets.ts";
