#!/bin/bash
# dockerRegistries: docker's config.json of the remoteUser sends those registries to remo.
set -e
source dev-container-features-test-lib

config="$HOME/.docker/config.json"
check "helper on PATH" bash -c "command -v docker-credential-remo"
check "config.json owned by the remote user" bash -c "test \"\$(stat -c %U '$config')\" = \"\$(id -un)\""
check "credHelpers for each registry" bash -c "node -e 'const c=require(process.argv[1]).credHelpers; process.exit(c[\"ghcr.io\"]===\"remo\" && c[\"https://index.docker.io/v1/\"]===\"remo\" && c[\"registry.example.com:5000\"]===\"remo\" ? 0 : 1)' '$config'"
check "same block from the client" bash -c "remo-secrets docker-login-config --registries ghcr.io | grep -q '\"ghcr.io\": \"remo\"'"
check "store is refused with a sentence" bash -c "echo '{}' | docker-credential-remo store | grep -q 'does not store docker credentials'"
# shellcheck disable=SC2016 # expanded by the inner bash
check "no broker: message on stdout, non-zero" bash -c 'if out="$(echo ghcr.io | REMO_SECRETS_RETRY_SECONDS=0 docker-credential-remo get)"; then exit 1; fi; case "$out" in "remo-secrets: "*) ;; *) exit 1 ;; esac'

reportResults
