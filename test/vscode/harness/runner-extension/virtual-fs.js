// A FileSystemProvider for the `remo-test` scheme over a real folder, so the suite can open the
// fixture workspace as a non-`file` workspace (as a remote or virtual one looks to an
// extension): remo-test://fixture/<path> is <REMO_E2E_VFS_ROOT>/<path>. It goes through
// VS Code's FileSystemProvider API only; extensions reach it through vscode.workspace.fs.
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const scheme = 'remo-test';

function register(context, root) {
  const emitter = new vscode.EventEmitter();
  const real = (uri) => {
    const p = path.resolve(root, '.' + uri.path);
    if (p !== root && !p.startsWith(root + path.sep)) throw vscode.FileSystemError.NoPermissions(uri);
    return p;
  };
  const wrap = (uri, fn) => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof vscode.FileSystemError) throw e;
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw vscode.FileSystemError.FileNotFound(uri);
      if (e.code === 'EEXIST') throw vscode.FileSystemError.FileExists(uri);
      if (e.code === 'EISDIR') throw vscode.FileSystemError.FileIsADirectory(uri);
      if (e.code === 'EACCES' || e.code === 'EPERM') throw vscode.FileSystemError.NoPermissions(uri);
      throw e;
    }
  };
  const typeOf = (st) => (st.isDirectory() ? vscode.FileType.Directory : st.isFile() ? vscode.FileType.File : vscode.FileType.Unknown)
    | (st.isSymbolicLink() ? vscode.FileType.SymbolicLink : 0);
  const changed = (type, uri) => emitter.fire([{ type, uri }]);
  const provider = {
    onDidChangeFile: emitter.event,
    watch: () => new vscode.Disposable(() => {}),
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
}

module.exports = { register, scheme };
