#!/bin/sh
# remo-broker-admin: the one remo-broker entry point meant to be allowed through sudo.
# It runs only `remo-broker admin …` and `remo-broker audit …`, always on the default runtime
# directory and audit file, with a clean environment. The full `remo-broker` must not be given
# to sudo: `serve` and `keygen` write files as root wherever they are told to.
#   sudoers:  alice ALL=(root) NOPASSWD: /usr/local/bin/remo-broker-admin
#   use:      sudo -n remo-broker-admin admin status
#             sudo -n remo-broker-admin audit --json --since 2026-01-01T00:00:00Z
# Installed by install.sh, which fills in @NODE@ and @LIBDIR@.
set -eu

die() { printf 'remo-broker-admin: %s\n' "$*" >&2; exit 2; }

case "${1:-}" in
  admin|audit) ;;
  "") die "usage: remo-broker-admin admin <op> [flags] | remo-broker-admin audit [flags]" ;;
  *) die "only \"admin\" and \"audit\" run through this wrapper, not \"$1\". Run other remo-broker commands as root." ;;
esac

# Refused wherever they appear (even as another flag's value): they would point root at
# another socket or another file.
for arg in "$@"; do
  case "$arg" in
    --runtime-dir|--runtime-dir=*|--socket|--socket=*|--audit-file|--audit-file=*)
      die "${arg%%=*} is not accepted here: remo-broker-admin always uses /run/remo-broker and /var/log/remo-broker/audit.jsonl. Run remo-broker as root to use other paths." ;;
  esac
done

# env -i: nothing from the caller (NODE_OPTIONS, NODE_PATH, …) reaches the root process.
exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "@NODE@" "@LIBDIR@/remo-broker.js" "$@"
