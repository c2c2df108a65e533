#!/bin/bash
# installPath and socketPath options: the client lives under /opt and asks the configured socket.
set -e
source dev-container-features-test-lib

check "client under installPath" test -f /opt/remo-secrets/remo-secrets.js
check "client on PATH" remo-secrets --version
check "socketPath option used by default" bash -c "REMO_BROKER_SOCKET=/run/remo-broker/sock remo-secrets --no-retry ping 2>&1 | grep -q /run/remo/project.sock"
check "explicit REMO_BROKER_SOCKET wins" bash -c "REMO_BROKER_SOCKET=/tmp/other.sock remo-secrets --no-retry ping 2>&1 | grep -q /tmp/other.sock"

reportResults
