#!/bin/bash
# installGitCredentialHelper=false: git is left alone.
set -e
source dev-container-features-test-lib

check "client on PATH" remo-secrets --version
check "no credential helper" bash -c "! git config --system --get-all credential.helper 2>/dev/null | grep -q remo-secrets"

reportResults
