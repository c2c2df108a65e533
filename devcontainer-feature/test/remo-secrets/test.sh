#!/bin/bash
# Default options: client on PATH, git helper wired, no shell export, clear failure without a broker.
set -e
source dev-container-features-test-lib

check "client on PATH" remo-secrets --version
check "version is the feature's" bash -c "remo-secrets --version | grep -qx 'remo-secrets 0.1.0'"
check "bundled client installed" test -f /usr/local/lib/remo-secrets/remo-secrets.js
check "startup hook installed" test -x /usr/local/bin/remo-secrets-startup
check "git credential helper configured" bash -c "git config --system --get-all credential.helper | grep -qx '!/usr/local/bin/remo-secrets git-credential'"
check "no shell export by default" test ! -e /etc/profile.d/remo-secrets.sh
check "no broker: exit status 5, says what to do" bash -c "remo-secrets --no-retry ping 2>&1 >/dev/null | grep -q 'Synthesize Devcontainer'; test \${PIPESTATUS[0]} -eq 5"
check "startup line never fails the container start" bash -c "remo-secrets-startup | grep -q '^remo-secrets: '"

reportResults
