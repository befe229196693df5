#!/usr/bin/env bash
# The Durable Streams Node reference server (@durable-streams/server 0.3.7, file-backed) as a
# benchmark peer for the Durable Streams surface (/v1/stream/...), loopback only.
#
#   perf/peers/ds-node.sh start [PORT]   npm-installs the server into perf/peers/ds-node if missing,
#                                        starts it, prints "PID DIR" once it answers
#   perf/peers/ds-node.sh stop PID DIR   stops it by PID and removes its data directory
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

case "${1:-}" in
  start)
    port=${2:-14437}
    if [[ ! -d "$here/ds-node/node_modules/@durable-streams/server" ]]; then
      (cd "$here/ds-node" && npm install --no-audit --no-fund >&2)
    fi
    dir=$(mktemp -d /tmp/stele-perf-ds.XXXXXX)
    (cd "$here/ds-node" && exec node serve.mjs "$port" "$dir" >"$dir/server.log" 2>&1) &
    pid=$!
    for _ in $(seq 1 100); do
      if curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
        "http://127.0.0.1:$port/v1/stream/__probe" 2>/dev/null; then
        echo "$pid $dir"
        exit 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "ds-node did not start; see $dir/server.log" >&2
    exit 1
    ;;
  stop)
    pid=${2:?pid}
    dir=${3:-}
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    if [[ -n "$dir" && "$dir" == /tmp/stele-perf-ds.* ]]; then rm -rf "$dir"; fi
    ;;
  *)
    sed -n '2,8p' "$0"
    exit 2
    ;;
esac
