#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (age CLI, OpenSSH server,
# Chromium for the VS Code harness, debootstrap for the feature's install test,
# podman + runc + docker-compose for the container suite, fuse3 + libfuse3-dev for a hanging
# file system).
# Idempotent and quiet when everything is present; `npm test` runs it first.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have age || need+=(age)
have sshd || need+=(openssh-server)
have ssh || need+=(openssh-client)
have chromium || need+=(chromium)
have debootstrap || need+=(debootstrap)
have nc || need+=(netcat-openbsd)
have git || need+=(git)
have shellcheck || need+=(shellcheck)
have cc || need+=(gcc)
have useradd || need+=(passwd)
have unshare || need+=(util-linux)
have ps || need+=(procps)
have python3 || need+=(python3)
have systemd-analyze || need+=(systemd)
have sudo || need+=(sudo)
have xxd || need+=(xxd)
have runuser || need+=(util-linux)
have ip || need+=(iproute2)
have flock || need+=(util-linux)
have podman || need+=(podman)               # the container suite: real containers, root podman
have runc || need+=(runc)                   # podman's runtime here (crun fails on a hybrid cgroup hierarchy)
have docker-compose || need+=(docker-compose)  # compose configs, against podman's Docker API
have fusermount3 || need+=(fuse3)           # a FUSE mount whose read() hangs, for the manifest read timeout
dpkg -s libfuse3-dev >/dev/null 2>&1 || need+=(libfuse3-dev)  # builds that test file system (test/helpers/hanging-fs.c)
have pkg-config || need+=(pkg-config)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)   # code-server's kerberos addon builds from source
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "The tests need these Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing Debian packages for the tests: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
