#!/bin/sh
# Installs the remo-secrets client into a dev container image (devcontainer feature).
# POSIX sh: runs on Debian/Ubuntu, Alpine and RHEL-family images, as root, at build time.
# No network unless Node >= 18 is missing and must come from the distribution's packages.
# Safe to run twice: every step checks before it changes anything.
set -e

# Options (devcontainers pass them upper-cased), with the defaults of devcontainer-feature.json.
SOCKET_PATH="${SOCKETPATH:-/run/remo-broker/sock}"
EXPORT_SECRETS="${EXPORTSECRETS:-none}"
INSTALL_GIT_CREDENTIAL_HELPER="${INSTALLGITCREDENTIALHELPER:-true}"
INSTALL_PATH="${INSTALLPATH:-/usr/local/lib/remo-secrets}"
DOCKER_REGISTRIES="${DOCKERREGISTRIES:-}"

# Where the launchers and shell hooks go (fixed: the launcher path is part of the git helper setting).
BIN_DIR=/usr/local/bin
ETC_DIR=/etc
MIN_NODE_MAJOR=18
FEATURE_DIR="$(cd "$(dirname "$0")" && pwd)"

say() { echo "remo-secrets feature: $*"; }
fail() { echo "remo-secrets feature: ERROR: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  fail "install.sh must run as root. Dev container builds run features as root; to run it by hand use: sudo sh $0"
fi

# --- check options before touching anything -------------------------------------------
case "$SOCKET_PATH" in /*) ;; *) fail "socketPath must be an absolute path, got '$SOCKET_PATH'" ;; esac
case "$INSTALL_PATH" in /*) ;; *) fail "installPath must be an absolute path, got '$INSTALL_PATH'" ;; esac
case "$INSTALL_GIT_CREDENTIAL_HELPER" in
  true|false) ;;
  *) fail "installGitCredentialHelper must be true or false, got '$INSTALL_GIT_CREDENTIAL_HELPER'" ;;
esac
case "$EXPORT_SECRETS" in
  none|all) EXPORT_NAMES="" ;;
  *)
    EXPORT_NAMES="$(echo "$EXPORT_SECRETS" | tr ',' ' ')"
    for n in $EXPORT_NAMES; do
      case "$n" in
        *[!A-Za-z0-9_]*) fail "exportSecrets: '$n' is not a secret name; use none, all, or names like GITHUB_TOKEN,NPM_TOKEN" ;;
      esac
    done
    [ -n "$(echo "$EXPORT_NAMES" | tr -d ' ')" ] || fail "exportSecrets is empty; use none, all, or a comma-separated list of names"
    ;;
esac
DOCKER_REGISTRY_LIST="$(echo "$DOCKER_REGISTRIES" | tr ',' ' ')"
for r in $DOCKER_REGISTRY_LIST; do
  case "$r" in
    *[!A-Za-z0-9.:/-]*|-*) fail "dockerRegistries: '$r' is not a registry host; use a comma-separated list such as ghcr.io,registry.example.com:5000" ;;
  esac
done
[ -f "$FEATURE_DIR/remo-secrets.js" ] || fail "$FEATURE_DIR/remo-secrets.js is missing: run 'npm run build' in the Remo Secrets repository, which stages the bundled client into the feature folder"

# --- Node ------------------------------------------------------------------------------
node_major() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null
}

node_usable() {
  major="$(node_major)" || return 1
  [ -n "$major" ] && [ "$major" -ge "$MIN_NODE_MAJOR" ]
}

# shellcheck disable=SC1091 # os-release is the image's, read at run time
distro_family() {
  id="" ; id_like=""
  if [ -r /etc/os-release ]; then
    id="$(. /etc/os-release && echo "${ID:-}")"
    id_like="$(. /etc/os-release && echo "${ID_LIKE:-}")"
  fi
  for w in $id $id_like; do
    case "$w" in
      debian|ubuntu) echo debian; return ;;
      alpine) echo alpine; return ;;
      rhel|centos|fedora|rocky|almalinux|ol|amzn) echo rhel; return ;;
    esac
  done
  echo unknown
}

# Images usually ship with the apt lists removed; update only then (and clean up after).
apt_lists_empty() {
  for f in /var/lib/apt/lists/*_Packages /var/lib/apt/lists/*_Packages.*; do
    [ -e "$f" ] && return 1
  done
  return 0
}

# Said with every failure to get Node: what a user can do instead.
NODE_HINT="Use an image that has Node >= $MIN_NODE_MAJOR (the build then needs no network), or add the node feature (ghcr.io/devcontainers/features/node) to devcontainer.json."

install_node_from_distribution() {
  family="$(distro_family)"
  say "no Node >= $MIN_NODE_MAJOR found; installing nodejs from the $family distribution packages"
  case "$family" in
    debian)
      command -v apt-get >/dev/null 2>&1 || fail "this Debian-family image has no apt-get to install Node with; $NODE_HINT"
      export DEBIAN_FRONTEND=noninteractive
      if apt_lists_empty; then
        apt-get update -y || fail "apt-get update failed, so nodejs cannot be installed (no network, or no package mirror reachable from the build). $NODE_HINT"
        cleanup_lists=1
      fi
      apt-get install -y --no-install-recommends nodejs || fail "apt-get install nodejs failed (no network, or no package mirror reachable from the build). $NODE_HINT"
      [ -z "${cleanup_lists:-}" ] || rm -rf /var/lib/apt/lists/*
      ;;
    alpine)
      command -v apk >/dev/null 2>&1 || fail "this Alpine image has no apk to install Node with; $NODE_HINT"
      apk add --no-cache nodejs || fail "apk add nodejs failed (no network, or no package mirror reachable from the build). $NODE_HINT"
      ;;
    rhel)
      if command -v dnf >/dev/null 2>&1; then dnf install -y nodejs && dnf clean all
      elif command -v microdnf >/dev/null 2>&1; then microdnf install -y nodejs && microdnf clean all
      elif command -v yum >/dev/null 2>&1; then yum install -y nodejs && yum clean all
      else fail "this RHEL-family image has no dnf, microdnf or yum to install Node with; add the node feature (ghcr.io/devcontainers/features/node) before remo-secrets"
      fi
      ;;
    *)
      fail "unsupported image: no Node >= $MIN_NODE_MAJOR and not a Debian/Ubuntu, Alpine or RHEL-family distribution; add the node feature (ghcr.io/devcontainers/features/node) before remo-secrets, or use a Debian, Ubuntu, Alpine or RHEL-based image"
      ;;
  esac
}

if ! node_usable; then
  if major="$(node_major)"; then say "node $major is too old for remo-secrets (needs >= $MIN_NODE_MAJOR)"; fi
  install_node_from_distribution
  node_usable || fail "the distribution's nodejs is older than $MIN_NODE_MAJOR ($(node --version 2>/dev/null || echo none)); add the node feature (ghcr.io/devcontainers/features/node) before remo-secrets"
fi
NODE_BIN="$(command -v node)"

# --- files -----------------------------------------------------------------------------
# Writes stdin to $1 with mode $2, only when the content differs (so reruns change nothing).
put_file() {
  tmp="$1.remo-tmp.$$"
  cat > "$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else chmod "$2" "$tmp" && mv -f "$tmp" "$1" && say "wrote $1"; fi
}

mkdir -p "$INSTALL_PATH" "$BIN_DIR"
put_file "$INSTALL_PATH/remo-secrets.js" 0644 < "$FEATURE_DIR/remo-secrets.js"

# The launcher: node from install time if it is still there (the node feature may move
# it), else from PATH. containerEnv sets REMO_BROKER_SOCKET to the default path; a
# socketPath option replaces that default, while a value the user set explicitly wins.
put_file "$BIN_DIR/remo-secrets" 0755 <<EOF
#!/bin/sh
# remo-secrets launcher, written by the remo-secrets devcontainer feature.
if [ -z "\${REMO_BROKER_SOCKET:-}" ] || [ "\$REMO_BROKER_SOCKET" = /run/remo-broker/sock ]; then
  REMO_BROKER_SOCKET='$SOCKET_PATH'
  export REMO_BROKER_SOCKET
fi
if [ -x '$NODE_BIN' ]; then exec '$NODE_BIN' '$INSTALL_PATH/remo-secrets.js' "\$@"; fi
exec node '$INSTALL_PATH/remo-secrets.js' "\$@"
EOF

# postStartCommand: one status line in the container's start log; never fails the start.
put_file "$BIN_DIR/remo-secrets-startup" 0755 <<EOF
#!/bin/sh
# Prints one line about the Remo broker at container start (names and counts, never values).
'$BIN_DIR/remo-secrets' status --brief || true
EOF

# --- shell start-up: export secrets into interactive shells, in memory only ------------
PROFILE_SNIPPET="$ETC_DIR/profile.d/remo-secrets.sh"
RC_MARKER="# remo-secrets: export secrets into interactive shells"
if [ "$EXPORT_SECRETS" = none ]; then
  [ ! -f "$PROFILE_SNIPPET" ] || { rm -f "$PROFILE_SNIPPET"; say "removed $PROFILE_SNIPPET"; }
else
  mkdir -p "$ETC_DIR/profile.d"
  # The values go from the broker into this shell's memory via eval: no file, and eval'd
  # text is not shell history. xtrace is paused so `set -x` cannot print them.
  put_file "$PROFILE_SNIPPET" 0644 <<EOF
$RC_MARKER (exportSecrets=$EXPORT_SECRETS).
# Written by the remo-secrets devcontainer feature; values are never written to disk.
case "\$-" in *i*) __remo_interactive=1 ;; *) __remo_interactive= ;; esac
if [ -n "\$__remo_interactive" ] && [ -z "\${REMO_SECRETS_EXPORTED:-}" ] && [ -x '$BIN_DIR/remo-secrets' ]; then
  case "\$-" in *x*) __remo_xtrace=1; set +x ;; *) __remo_xtrace= ;; esac
  if __remo_env="\$(REMO_SECRETS_RETRY_SECONDS=1 '$BIN_DIR/remo-secrets' env --skip-unavailable $EXPORT_NAMES)"; then
    eval "\$__remo_env"
    REMO_SECRETS_EXPORTED=1; export REMO_SECRETS_EXPORTED
  fi
  unset __remo_env
  [ -z "\$__remo_xtrace" ] || set -x
  unset __remo_xtrace
fi
unset __remo_interactive
EOF
  # Interactive non-login shells (VS Code's terminals) read bash.bashrc / zshrc, not profile.d.
  for rc in "$ETC_DIR/bash.bashrc" "$ETC_DIR/bash/bashrc" "$ETC_DIR/zsh/zshrc"; do
    [ -f "$rc" ] || continue
    grep -qF "$RC_MARKER" "$rc" && continue
    printf '\n%s\n[ -r %s ] && . %s\n' "$RC_MARKER" "$PROFILE_SNIPPET" "$PROFILE_SNIPPET" >> "$rc"
    say "hooked $rc"
  done
fi

# --- git credential helper -------------------------------------------------------------
HELPER="!$BIN_DIR/remo-secrets git-credential"
GITCONFIG="$ETC_DIR/gitconfig"
if [ "$INSTALL_GIT_CREDENTIAL_HELPER" = true ]; then
  if command -v git >/dev/null 2>&1; then
    if ! git config --file "$GITCONFIG" --get-all credential.helper 2>/dev/null | grep -qxF "$HELPER"; then
      git config --file "$GITCONFIG" --add credential.helper "$HELPER"
      say "git credential helper added to $GITCONFIG"
    fi
  elif ! grep -qF "$HELPER" "$GITCONFIG" 2>/dev/null; then
    # git comes later (or never): write the same lines git config would.
    printf '[credential]\n\thelper = %s\n' "$HELPER" >> "$GITCONFIG"
    say "git credential helper added to $GITCONFIG (git is not installed yet)"
  fi
elif command -v git >/dev/null 2>&1 && git config --file "$GITCONFIG" --get-all credential.helper 2>/dev/null | grep -qxF "$HELPER"; then
  git config --file "$GITCONFIG" --fixed-value --unset-all credential.helper "$HELPER" 2>/dev/null \
    || git config --file "$GITCONFIG" --unset-all credential.helper "^!$BIN_DIR/remo-secrets git-credential\$"
  say "git credential helper removed from $GITCONFIG"
fi

# --- docker credential helper ----------------------------------------------------------
# Always installed (docker only runs it for registries configured below); credHelpers are
# merged into the remoteUser's ~/.docker/config.json, keeping every other key.
put_file "$BIN_DIR/docker-credential-remo" 0755 < "$FEATURE_DIR/docker-credential-remo"
if [ -n "$(echo "$DOCKER_REGISTRY_LIST" | tr -d ' ')" ]; then
  DOCKER_USER="${_REMOTE_USER:-root}"
  DOCKER_HOME="${_REMOTE_USER_HOME:-}"
  [ -n "$DOCKER_HOME" ] || DOCKER_HOME="$(getent passwd "$DOCKER_USER" 2>/dev/null | cut -d: -f6)"
  [ -n "$DOCKER_HOME" ] || fail "dockerRegistries: cannot find the home directory of the remote user '$DOCKER_USER'"
  DOCKER_CONFIG_FILE="$DOCKER_HOME/.docker/config.json"
  # The client validates and normalises the registries (Docker Hub gets docker's own key).
  HELPERS="$("$NODE_BIN" "$INSTALL_PATH/remo-secrets.js" docker-login-config --registries "$DOCKER_REGISTRIES")" \
    || fail "dockerRegistries: '$DOCKER_REGISTRIES' was refused (see above)"
  mkdir -p "$DOCKER_HOME/.docker"
  # shellcheck disable=SC2016 # JavaScript for node, not for the shell
  REMO_HELPERS="$HELPERS" "$NODE_BIN" -e '
    const fs = require("fs");
    const file = process.argv[1];
    let config = {};
    if (fs.existsSync(file)) {
      try { config = JSON.parse(fs.readFileSync(file, "utf8")); } catch { console.error(`remo-secrets feature: ERROR: ${file} is not valid JSON; fix or remove it, then rebuild`); process.exit(1); }
    }
    const before = JSON.stringify(config);
    config.credHelpers = { ...(config.credHelpers || {}), ...JSON.parse(process.env.REMO_HELPERS).credHelpers };
    if (JSON.stringify(config) !== before) { fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 }); console.log(`remo-secrets feature: wrote credHelpers to ${file}`); }
  ' "$DOCKER_CONFIG_FILE"
  if id -u "$DOCKER_USER" >/dev/null 2>&1; then chown "$DOCKER_USER:$(id -g "$DOCKER_USER")" "$DOCKER_HOME/.docker" "$DOCKER_CONFIG_FILE"; fi
fi

"$BIN_DIR/remo-secrets" --version >/dev/null || fail "the installed client does not run: '$BIN_DIR/remo-secrets --version' failed"
say "installed $("$BIN_DIR/remo-secrets" --version) (node $(node_major), socket $SOCKET_PATH, exportSecrets=$EXPORT_SECRETS, git helper=$INSTALL_GIT_CREDENTIAL_HELPER${DOCKER_REGISTRIES:+, docker registries=$DOCKER_REGISTRIES})"
