#!/usr/bin/env bash
# `npm run test:e2e`: the end-to-end suites (vitest project `e2e`), which
# drive the service through serverless-offline with real outside tools.
#
# They need Prometheus Alertmanager (Debian package prometheus-alertmanager).
# As root this installs it when it is missing, without letting the package
# start its own service; as anyone else it stops with what to install.
# Extra arguments go to vitest, e.g. `npm run test:e2e -- -t resolved`.
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_dir"

find_alertmanager() {
  command -v prometheus-alertmanager || command -v alertmanager || true
}

# policy-rc.d answering 101 tells the package's maintainer scripts not to
# start the service. Ours only exists during the install, and only when the
# machine has none of its own.
install_alertmanager() {
  local policy=/usr/sbin/policy-rc.d
  local own_policy=false
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=true
  fi
  echo "[test-e2e] installing prometheus-alertmanager with apt-get" >&2
  local status=0
  apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends prometheus-alertmanager >/dev/null ||
    status=$?
  if [[ $own_policy == true ]]; then
    rm -f "$policy"
  fi

  return "$status"
}

if [[ -n ${ALERTMANAGER_BIN:-} ]]; then
  alertmanager=$(command -v "$ALERTMANAGER_BIN" || true)
  if [[ -z $alertmanager ]]; then
    echo "[test-e2e] ALERTMANAGER_BIN=$ALERTMANAGER_BIN is not a command" >&2
    exit 1
  fi
else
  alertmanager=$(find_alertmanager)
fi
if [[ -z $alertmanager ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "[test-e2e] Prometheus Alertmanager is missing: install it with" \
      "'sudo apt-get install prometheus-alertmanager' (Debian/Ubuntu)," \
      "or set ALERTMANAGER_BIN to an alertmanager binary." >&2
    exit 1
  fi
  if ! install_alertmanager; then
    echo "[test-e2e] apt-get could not install prometheus-alertmanager" >&2
    exit 1
  fi
  alertmanager=$(find_alertmanager)
  if [[ -z $alertmanager ]]; then
    echo "[test-e2e] prometheus-alertmanager was installed, but no" \
      "alertmanager binary is on the PATH." >&2
    exit 1
  fi
fi
echo "[test-e2e] using $("$alertmanager" --version 2>&1 | head -n 1)" >&2

# The project's Node 22 (npm install puts it in node_modules/.bin), also
# when this script runs outside npm.
export PATH="$repo_dir/node_modules/.bin:$PATH"
export ALERTMANAGER_BIN="$alertmanager"
exec vitest run --project e2e "$@"
