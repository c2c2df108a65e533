// A FileSystemProvider for the `remo-test` scheme over a real folder, so the suite can open the
// fixture workspace as a non-`file` workspace (as a remote or virtual one looks to an
// extension): remo-test://fixture/<path> is <REMO_E2E_VFS_ROOT>/<path>. It goes through
// VS Code's FileSystemProvider API only; extensions reach it through vscode.workspace.fs.
const fs = require("fs");
const path = require("path");
const vscode = require("vscode");

const scheme = "remo-test";

function register(context, root) {
  const emitter = new vscode.EventEmitter();
  const real = (uri) => {
    const p = path.resolve(root, "." + uri.path);
    if (p !== root && !p.startsWith(root + path.sep)) throw vscode.FileSystemError.NoPermissions(uri);
    return p;
  };
  const wrap = (uri, fn) => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof vscode.FileSystemError) throw e;
      if (e.code === "ENOENT" || e.code === "ENOTDIR") throw vscode.FileSystemError.FileNotFound(uri);
      if (e.code === "EEXIST") throw vscode.FileSystemError.FileExists(uri);
      if (e.code === "EISDIR") throw vscode.FileSystemError.FileIsADirectory(uri);
      if (e.code === "EACCES" || e.code === "EPERM") throw vscode.FileSystemError.NoPermissions(uri);
      throw e;
    }
  };
  const typeOf = (st) => (st.isDirectory() ? vscode.FileType.Directory : st.isFile() ? vscode.FileType.File : vscode.FileType.Unknown)
    | (st.isSymbolicLink() ? vscode.FileType.SymbolicLink : 0);
  const changed = (type, uri) => emitter.fire([{ type, uri }]);
  const provider = {
    onDidChangeFile: emitter.event,
    watch: () => new vscode.Disposable(() => { /* changes are fired by this provider's own writes: nothing to unsubscribe */ }),
    stat: (uri) => wrap(uri, () => {
      const l = fs.lstatSync(real(uri));
      const st = l.isSymbolicLink() ? fs.statSync(real(uri)) : l;
      return { type: typeOf(st) | (l.isSymbolicLink() ? vscode.FileType.SymbolicLink : 0), ctime: st.ctimeMs, mtime: st.mtimeMs, size: st.size };
    }),
    readDirectory: (uri) => wrap(uri, () => fs.readdirSync(real(uri), { withFileTypes: true }).map((d) => [d.name,
      d.isSymbolicLink() ? vscode.FileType.SymbolicLink : d.isDirectory() ? vscode.FileType.Directory : d.isFile() ? vscode.FileType.File : vscode.FileType.Unknown])),
    createDirectory: (uri) => wrap(uri, () => { fs.mkdirSync(real(uri)); changed(vscode.FileChangeType.Created, uri); }),
    readFile: (uri) => wrap(uri, () => fs.readFileSync(real(uri))),
    writeFile: (uri, content, options) => wrap(uri, () => {
      const p = real(uri);
      const exists = fs.existsSync(p);
      if (!exists && !options.create) throw vscode.FileSystemError.FileNotFound(uri);
      if (exists && options.create && !options.overwrite) throw vscode.FileSystemError.FileExists(uri);
      fs.writeFileSync(p, content);
      changed(exists ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri);
    }),
    delete: (uri, options) => wrap(uri, () => { fs.rmSync(real(uri), { recursive: options.recursive }); changed(vscode.FileChangeType.Deleted, uri); }),
    rename: (from, to, options) => wrap(from, () => {
      if (!options.overwrite && fs.existsSync(real(to))) throw vscode.FileSystemError.FileExists(to);
      fs.renameSync(real(from), real(to));
      changed(vscode.FileChangeType.Deleted, from);
      changed(vscode.FileChangeType.Created, to);
    }),
  };
  context.subscriptions.push(vscode.workspace.registerFileSystemProvider(scheme, provider, { isCaseSensitive: true }));
  registerSearch(context, root);
}

/** Every file under `dir` (relative paths), skipping .git and node_modules, at most `max`. */
function listFiles(dir, max) {
  const out = [];
  const walk = (d, rel) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (out.length >= max) return;
      const r = rel === "" ? e.name : rel + "/" + e.name;
      if (e.isDirectory()) { if (e.name !== ".git" && e.name !== "node_modules") walk(path.join(d, e.name), r); } else if (e.isFile()) out.push(r);
    }
  };
  walk(dir, "");
  return out;
}

// VS Code's search service waits for a search provider of a folder's scheme (findFiles, Quick
// Open) until one registers. Real virtual workspaces (GitHub Repositories, …) register one; so
// does this one, through the proposed API the harness enables for the runner extension only.
function registerSearch(context, root) {
  const ws = vscode.workspace;
  const folderPath = (uri) => path.resolve(root, "." + uri.path);
  if (typeof ws.registerFileSearchProvider === "function") {
    context.subscriptions.push(ws.registerFileSearchProvider(scheme, {
      provideFileSearchResults(query, options) {
        const base = folderPath(options.folder);
        const needle = (query.pattern || "").toLowerCase();
        return listFiles(base, options.maxResults || 10000)
          .filter((r) => needle === "" || r.toLowerCase().includes(needle))
          .map((r) => vscode.Uri.joinPath(options.folder, r));
      },
    }));
  }
  if (typeof ws.registerTextSearchProvider === "function") {
    context.subscriptions.push(ws.registerTextSearchProvider(scheme, {
      provideTextSearchResults(query, options, progress) {
        const base = folderPath(options.folder);
        const flags = query.isCaseSensitive ? "g" : "gi";
        const re = query.isRegExp ? new RegExp(query.pattern, flags) : new RegExp(query.pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), flags);
        for (const r of listFiles(base, 10000)) {
          const lines = fs.readFileSync(path.join(base, r), "utf8").split("\n");
          lines.forEach((line, i) => {
            for (const m of line.matchAll(re)) {
              const range = new vscode.Range(i, m.index, i, m.index + m[0].length);
              progress.report({ uri: vscode.Uri.joinPath(options.folder, r), ranges: range, preview: { text: line, matches: new vscode.Range(0, m.index, 0, m.index + m[0].length) } });
            }
          });
        }
        return { limitHit: false };
      },
    }));
  }
}

module.exports = { register, scheme };
