#!/usr/bin/env bash
# Runs the official Durable Streams server conformance suite
# (@durable-streams/server-conformance-tests, pinned in package-lock.json) against Stele.
#
#   conformance/run.sh                 start a Stele server on a free port with a temporary data
#                                      directory, run the suite, stop the server
#   CONFORMANCE_TEST_URL=http://h:p conformance/run.sh
#                                      run the suite against a server that is already running
#
# The server comes from STELE_CMD if set (a command line that accepts
# "serve --port P --data-dir D"), else bin/stele, else server/target/stele.jar.
# Exits non-zero if any test fails or the server does not come up.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$here"

# Cache-friendly install: npm ci reuses ~/.npm; skipped when node_modules matches the lock file.
if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s package-lock.json node_modules/.stele-lock; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.stele-lock
fi

server_pid=""
data_dir=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  if [[ -n "$data_dir" ]]; then
    rm -rf "$data_dir"
  fi
}
trap cleanup EXIT INT TERM

if [[ -z "${CONFORMANCE_TEST_URL:-}" ]]; then
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/stele-conformance.XXXXXX")"
  log="$data_dir/server.log"
  if [[ -n "${STELE_CMD:-}" ]]; then
    read -r -a cmd <<<"$STELE_CMD"
  elif [[ -x "$root/bin/stele" ]]; then
    cmd=("$root/bin/stele")
  elif [[ -f "$root/server/target/stele.jar" ]]; then
    cmd=(java -jar "$root/server/target/stele.jar")
  else
    echo "run.sh: no server: build it (./mvnw -B -q -DskipTests install) or set STELE_CMD" >&2
    exit 2
  fi
  "${cmd[@]}" serve --host 127.0.0.1 --port "$port" --data-dir "$data_dir/data" >"$log" 2>&1 &
  server_pid=$!
  export CONFORMANCE_TEST_URL="http://127.0.0.1:$port"
  up=""
  for _ in $(seq 1 600); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "run.sh: the server exited; its log ($log):" >&2
      cat "$log" >&2
      exit 2
    fi
    if curl -fsS "$CONFORMANCE_TEST_URL/healthz" >/dev/null 2>&1; then
      up=yes
      break
    fi
    sleep 0.1
  done
  if [[ -z "$up" ]]; then
    echo "run.sh: the server did not answer /healthz within 60 s; its log ($log):" >&2
    cat "$log" >&2
    exit 2
  fi
fi

echo "run.sh: conformance suite against $CONFORMANCE_TEST_URL" >&2
npx --no-install vitest run stele.test.mjs
