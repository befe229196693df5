#!/usr/bin/env bash
# Redis as a benchmark peer: append-only file, fsync on every write (appendfsync always), loopback
# only, data in a temporary directory.
#
#   perf/peers/redis.sh start [PORT]   installs redis-server with apt-get if missing, starts it,
#                                      prints "PID DIR" on stdout once it answers PING
#   perf/peers/redis.sh stop PID DIR   stops that server by PID and removes its directory
#   perf/peers/redis.sh bench PORT [CLIENTS] [N] [PAYLOAD]
#                                      redis-benchmark XADD (closed loop, its own latency summary)
set -euo pipefail

cmd=${1:-}
case "$cmd" in
  start)
    port=${2:-16379}
    if ! command -v redis-server >/dev/null; then
      apt-get install -y redis-server redis-tools >&2
    fi
    dir=$(mktemp -d /tmp/stele-perf-redis.XXXXXX)
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes \
      --appendfsync always --save '' --protected-mode yes --daemonize no \
      --logfile "$dir/redis.log" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
        echo "$pid $dir"
        exit 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "redis did not start; see $dir/redis.log" >&2
    exit 1
    ;;
  stop)
    pid=${2:?pid}
    dir=${3:-}
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    if [[ -n "$dir" && "$dir" == /tmp/stele-perf-redis.* ]]; then rm -rf "$dir"; fi
    ;;
  bench)
    port=${2:?port}
    clients=${3:-64}
    n=${4:-500000}
    payload=$(head -c "${5:-64}" /dev/zero | tr '\0' 'x')
    # Arguments after the options are sent as the command: XADD stream * field payload.
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -n "$n" -P 1 -q --precision 3 \
      XADD bench-rb '*' f "$payload" 2>&1 | tr '\r' '\n' | grep -v '^ *$' | tail -1
    ;;
  *)
    sed -n '2,12p' "$0"
    exit 2
    ;;
esac
