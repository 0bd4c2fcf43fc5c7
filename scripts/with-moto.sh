#!/usr/bin/env bash
# Runs the AWS protocol suite (`vitest run --project aws`) against a
# moto_server of its own: a real Secrets Manager and SNS speaking the AWS
# wire protocols on a free loopback port. Extra arguments go to vitest, e.g.
#   scripts/with-moto.sh test/aws/notify.test.ts
# moto is stopped on every way out: success, failure, Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The Node 22 of the devDependencies, as under `npm run`.
export PATH="$ROOT/node_modules/.bin:$PATH"

if ! command -v moto_server >/dev/null 2>&1; then
  echo "moto_server not found: this suite needs moto (pip install 'moto[server]'); it runs in CI on the project image" >&2
  exit 127
fi

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/celonis-job-control-moto.XXXXXX")"
MOTO_PID=""
VITEST_PID=""

stop_all() {
  if [[ -n "$VITEST_PID" ]] && kill -0 "$VITEST_PID" 2>/dev/null; then
    kill "$VITEST_PID" 2>/dev/null || true
    wait "$VITEST_PID" 2>/dev/null || true
  fi
  stop_moto
  rm -rf "$WORK_DIR"
}

stop_moto() {
  if [[ -n "$MOTO_PID" ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    # Give it two seconds to go, then make sure.
    for _ in $(seq 20); do
      kill -0 "$MOTO_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  MOTO_PID=""
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  node -e '
    const server = require("node:net").createServer();
    server.listen(0, "127.0.0.1", () => {
      console.log(server.address().port);
      server.close();
    });'
}

# True once moto answers its own API on the port.
moto_answers() {
  node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(1000) })
      .then((answer) => process.exit(answer.ok ? 0 : 1))
      .catch(() => process.exit(1));' "http://127.0.0.1:$1/moto-api/data.json"
}

# Another process may take the free port before moto does: try a few.
start_moto() {
  local attempt port
  for attempt in 1 2 3; do
    port="$(free_port)"
    # The recorder logs every request moto receives, so the tests can count
    # the GetSecretValue calls the functions make.
    MOTO_ENABLE_RECORDING=True \
      MOTO_RECORDER_FILEPATH="$WORK_DIR/recording.jsonl" \
      moto_server -H 127.0.0.1 -p "$port" >"$WORK_DIR/moto.log" 2>&1 &
    MOTO_PID=$!
    for _ in $(seq 150); do
      if ! kill -0 "$MOTO_PID" 2>/dev/null; then
        break
      fi
      if moto_answers "$port"; then
        MOTO_PORT="$port"
        return 0
      fi
      sleep 0.1
    done
    echo "moto_server did not start on port $port (attempt $attempt):" >&2
    tail -n 20 "$WORK_DIR/moto.log" >&2 || true
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=""
  done
  return 1
}

if ! start_moto; then
  echo "moto_server could not be started; see the output above" >&2
  exit 1
fi
echo "moto_server on http://127.0.0.1:$MOTO_PORT" >&2

# Only moto is reachable: dummy credentials, no profile or config file that
# could name a real account or another endpoint.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
for name in $(compgen -e | grep '^AWS_ENDPOINT_URL_' || true); do
  unset "$name"
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=eu-central-1
export AWS_DEFAULT_REGION=eu-central-1
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true

cd "$ROOT"
# In the background, so a signal to this script runs its trap at once
# (bash runs traps only between commands) and the trap stops vitest too.
vitest run --project aws "$@" &
VITEST_PID=$!
status=0
wait "$VITEST_PID" || status=$?
VITEST_PID=""
exit "$status"
