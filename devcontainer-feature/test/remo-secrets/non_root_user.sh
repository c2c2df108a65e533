#!/bin/bash
# Runs as the non-root remoteUser: the client must be readable and runnable by it.
set -e
source dev-container-features-test-lib

check "running as a non-root user" bash -c "test \$(id -u) -ne 0"
check "client on PATH" remo-secrets --version
check "no broker: clear message" bash -c "remo-secrets --no-retry status --brief | grep -q '^remo-secrets: '"

reportResults
