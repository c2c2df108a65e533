#!/bin/bash
# exportSecrets=all: an interactive shell hook that evals `remo-secrets env` (no names: the whole allowlist).
set -e
source dev-container-features-test-lib

check "profile.d hook installed" test -f /etc/profile.d/remo-secrets.sh
check "hook asks for the whole allowlist" grep -q "remo-secrets' env --skip-unavailable )" /etc/profile.d/remo-secrets.sh
check "bash.bashrc sources the hook once" bash -c "test \$(grep -c '^# remo-secrets: export secrets' /etc/bash.bashrc) -eq 1"
check "hook is valid sh" sh -n /etc/profile.d/remo-secrets.sh
check "interactive shell starts without a broker and says why" bash -c "bash -ic true 2>&1 | grep -q 'Synthesize Devcontainer'"

reportResults
