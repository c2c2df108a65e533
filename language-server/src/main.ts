import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { startServer } from "./server.ts";

// createConnection reads the transport (--stdio, --node-ipc, --socket=N) from argv.
const connection = createConnection(ProposedFeatures.all);
// With --stdio a stray console.log would corrupt the JSON-RPC stream: route it to the client's log.
console.log = connection.console.log.bind(connection.console);
console.info = connection.console.info.bind(connection.console);
console.warn = connection.console.warn.bind(connection.console);
console.error = connection.console.error.bind(connection.console);
process.on("unhandledRejection", (e) => { connection.console.error(`unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`); });

startServer(connection, {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => { clearTimeout(h as NodeJS.Timeout); },
});
