#!/bin/sh
# Installs remo-broker on a systemd node:
#   - copies dist/remo-broker.js and dist/peercred.node to /usr/local/lib/remo-broker,
#     and links /usr/local/bin/remo-broker;
#   - installs /usr/local/bin/remo-broker-admin, the narrow wrapper to allow through sudo
#     (only `admin` and `audit`, only the default paths);
#   - installs the sysusers/tmpfiles snippets and the unit;
#   - creates the node's age identity with `remo-broker keygen` and seals it with
#     `systemd-creds encrypt --with-key=tpm2` when a TPM2 is present, else `--with-key=host`;
#     without systemd-creds it leaves a 0600 file in /var/lib/remo-broker (reported as
#     "plaintext" by `remo-broker admin status`);
#   - enables and starts the unit.
# Safe to run again: an existing key is never replaced (bundles encrypted to it would be lost).
#
# Options (environment):
#   REMO_ROOT=DIR             install under DIR instead of / (packaging, tests)
#   REMO_DIST=DIR             where remo-broker.js and peercred.node are (default: ../../dist from here)
#   REMO_SYSTEMD_CREDS=PATH   systemd-creds to use, or "none" to skip sealing (default: found on PATH)
#   REMO_NO_SYSTEMCTL=1       do not run systemctl (default when REMO_ROOT is set or systemd is not PID 1)
set -eu
# Everything this script writes without an explicit mode (the key while it is made and sealed) is private.
umask 077

ROOT="${REMO_ROOT:-}"
HERE=$(cd "$(dirname "$0")" && pwd)
DIST="${REMO_DIST:-$HERE/../../dist}"
LIBDIR=/usr/local/lib/remo-broker
CRED=/etc/credstore.encrypted/remo-broker.secrets-key
PLAINKEY=/var/lib/remo-broker/secrets-key
RECIPIENT_FILE=/etc/remo-broker/recipient

say() { printf 'remo-broker install: %s\n' "$*"; }
die() { printf 'remo-broker install: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (sudo sh $0): it installs a system service and its key."

NODE=$(command -v node || true)
[ -n "$NODE" ] || die "node is not installed; install Node.js 20 or newer (e.g. apt-get install nodejs) and run this again."
NODE_MAJOR=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || die "Node.js $("$NODE" --version) is too old; remo-broker needs Node.js 20 or newer."

[ -f "$DIST/remo-broker.js" ] || die "$DIST/remo-broker.js not found; run \`npm ci && npm run build\` first, or set REMO_DIST."

if [ "${REMO_SYSTEMD_CREDS:-}" = none ]; then
  CREDS=""
else
  CREDS="${REMO_SYSTEMD_CREDS:-$(command -v systemd-creds || true)}"
fi
if [ -n "${REMO_NO_SYSTEMCTL:-}" ] || [ -n "$ROOT" ] || [ "$(cat /proc/1/comm 2>/dev/null || true)" != systemd ]; then
  USE_SYSTEMCTL=""
else
  USE_SYSTEMCTL=1
fi

# 1. Program files.
install -d -m 0755 "$ROOT$LIBDIR" "$ROOT/usr/local/bin" "$ROOT/etc/remo-broker"
install -m 0755 "$DIST/remo-broker.js" "$ROOT$LIBDIR/remo-broker.js"
if [ -f "$DIST/peercred.node" ]; then
  install -m 0755 "$DIST/peercred.node" "$ROOT$LIBDIR/peercred.node"
else
  say "warning: $DIST/peercred.node is missing; projects that set peer_uids will refuse connections (rebuild with a C compiler present)."
fi
ln -sf "$LIBDIR/remo-broker.js" "$ROOT/usr/local/bin/remo-broker"
# Written to a temp name and renamed: a sudo rule names this file, so it is never half-written.
sed -e "s|@NODE@|$NODE|g" -e "s|@LIBDIR@|$LIBDIR|g" "$HERE/remo-broker-admin.sh" > "$ROOT/usr/local/bin/.remo-broker-admin.new"
chmod 0755 "$ROOT/usr/local/bin/.remo-broker-admin.new"
mv -f "$ROOT/usr/local/bin/.remo-broker-admin.new" "$ROOT/usr/local/bin/remo-broker-admin"

# 2. Users, directories.
install -d -m 0755 "$ROOT/usr/lib/sysusers.d" "$ROOT/usr/lib/tmpfiles.d"
install -m 0644 "$HERE/remo-broker.sysusers.conf" "$ROOT/usr/lib/sysusers.d/remo-broker.conf"
install -m 0644 "$HERE/remo-broker.tmpfiles.conf" "$ROOT/usr/lib/tmpfiles.d/remo-broker.conf"
if [ -z "$ROOT" ] && command -v systemd-sysusers >/dev/null 2>&1; then systemd-sysusers /usr/lib/sysusers.d/remo-broker.conf; fi
if [ -z "$ROOT" ] && command -v systemd-tmpfiles >/dev/null 2>&1; then systemd-tmpfiles --create /usr/lib/tmpfiles.d/remo-broker.conf; fi
install -d -m 0700 "$ROOT/var/lib/remo-broker" "$ROOT/etc/credstore.encrypted"

# 3. The key: keep an existing one; otherwise create it and seal it.
if [ -f "$ROOT$CRED" ]; then
  MODE=$(cat "$ROOT/etc/remo-broker/key-source" 2>/dev/null || echo host-key)
  say "keeping the existing sealed key $CRED ($MODE)"
elif [ -f "$ROOT$PLAINKEY" ]; then
  MODE=plaintext
  say "keeping the existing key file $PLAINKEY"
else
  # Generate in a private directory on tmpfs when possible, seal, then destroy the plaintext.
  TMPBASE=/run
  [ -w "$TMPBASE" ] || TMPBASE="${TMPDIR:-/tmp}"
  WORK=$(mktemp -d "$TMPBASE/remo-broker-install.XXXXXX")
  chmod 700 "$WORK"
  trap 'rm -rf "$WORK"' EXIT INT TERM
  # Without SUDO_UID: keygen refuses sudo callers (a sudo rule for remo-broker alone must not
  # create root files anywhere); whoever runs this script as root is root already.
  env -u SUDO_UID "$NODE" "$ROOT$LIBDIR/remo-broker.js" keygen --out "$WORK/secrets-key" > "$WORK/recipient"
  MODE=plaintext
  if [ -n "$CREDS" ]; then
    if "$CREDS" has-tpm2 >/dev/null 2>&1; then WITH=tpm2; MODE=tpm2; else WITH=host; MODE=host-key; fi
    if ! "$CREDS" encrypt --with-key="$WITH" --name=secrets-key "$WORK/secrets-key" "$ROOT$CRED"; then
      say "warning: systemd-creds could not seal the key with --with-key=$WITH; falling back to a 0600 key file."
      rm -f "$ROOT$CRED"
      MODE=plaintext
    else
      chmod 0600 "$ROOT$CRED"
    fi
  fi
  if [ "$MODE" = plaintext ]; then
    install -m 0600 "$WORK/secrets-key" "$ROOT$PLAINKEY"
  fi
  # Overwrite the plaintext copy before removing it (tmpfs makes this moot; a disk does not).
  dd if=/dev/zero of="$WORK/secrets-key" bs=1 count="$(wc -c < "$WORK/secrets-key")" conv=notrunc 2>/dev/null || true
  install -m 0644 "$WORK/recipient" "$ROOT$RECIPIENT_FILE"
  echo "$MODE" > "$ROOT/etc/remo-broker/key-source"
  say "created the node's key ($MODE)"
fi

# 4. The unit, adjusted to the key's tier.
install -d -m 0755 "$ROOT/etc/systemd/system"
UNIT="$ROOT/etc/systemd/system/remo-broker.service"
case "$MODE" in
  tpm2|host-key)
    sed -e "s|@NODE@|$NODE|g" -e "s|@LIBDIR@|$LIBDIR|g" -e "s|^Environment=REMO_KEY_SOURCE=.*|Environment=REMO_KEY_SOURCE=$MODE|" \
      "$HERE/remo-broker.service" > "$UNIT" ;;
  *)
    # No sealing: the broker finds /var/lib/remo-broker/secrets-key itself (and refuses it if not 0600).
    sed -e "s|@NODE@|$NODE|g" -e "s|@LIBDIR@|$LIBDIR|g" -e "s|^LoadCredentialEncrypted=|# (no systemd-creds at install) LoadCredentialEncrypted=|" \
      -e "s|^Environment=REMO_KEY_SOURCE=.*|# Environment=REMO_KEY_SOURCE= (plaintext key file)|" \
      "$HERE/remo-broker.service" > "$UNIT" ;;
esac
chmod 0644 "$UNIT"

# 5. Start it.
if [ -n "$USE_SYSTEMCTL" ]; then
  systemctl daemon-reload
  systemctl enable --now remo-broker.service
  systemctl restart remo-broker.service
  say "remo-broker is running: remo-broker admin status"
else
  say "installed under ${ROOT:-/}; not starting it (no systemd as PID 1, or REMO_ROOT/REMO_NO_SYSTEMCTL set)."
fi
say "key source: $MODE"
say "to let a user run admin and audit through sudo, allow only the wrapper: <user> ALL=(root) NOPASSWD: /usr/local/bin/remo-broker-admin"
say "node recipient (pin this on the laptop): $(cat "$ROOT$RECIPIENT_FILE" 2>/dev/null || echo 'unknown: run remo-broker admin get-public-key')"
