// Names the extension and the manifest language server share. Free of LSP imports (unlike
// lsp.ts), so the extension can use them at activation without loading the LSP libraries.

/** The language id of a Remo manifest (`.devcontainer/remo-broker.toml`, `.remo/broker.toml`), as package.json contributes it. */
export const manifestLanguageId = "remo-manifest";

/** The command the server's quick fix and CodeLens invoke to set a value: args `[name: string]`. */
export const SET_SECRET_COMMAND = "remo.setSecret";
