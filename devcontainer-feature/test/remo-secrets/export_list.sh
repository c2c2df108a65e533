#!/bin/bash
# exportSecrets=GITHUB_TOKEN,NPM_TOKEN: the hook names exactly those secrets.
set -e
source dev-container-features-test-lib

check "hook names the listed secrets" grep -q "remo-secrets' env --skip-unavailable GITHUB_TOKEN NPM_TOKEN)" /etc/profile.d/remo-secrets.sh
check "hook is valid sh" sh -n /etc/profile.d/remo-secrets.sh

reportResults
