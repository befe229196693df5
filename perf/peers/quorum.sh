#!/usr/bin/env bash
# 3-node quorum row: a fresh loopback cluster (stele cluster local), then 64 connections producing
# 64 B records with durability=quorum against the leader, closed loop; then the same command
# against a fresh single node (the baseline of the same session). Rounds alternate the two.
#
#   perf/peers/quorum.sh [--jar server/target/stele.jar] [--rounds 2] [--warmup 20s]
#                        [--duration 10s]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/server/target/stele.jar"
rounds=2
warmup=20s
duration=10s
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jar) jar=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) sed -n '2,7p' "$0"; exit 2 ;;
  esac
done
base=17301
single=17390
pid=
dir=$(mktemp -d /tmp/stele-perf-quorum.XXXXXX)
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
java_run=(java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar "$jar")
bench() { # url label
  java -cp "$jar" io.stele.perf.BenchCli --url "$1" --scenario produce --durability quorum -c 64 \
    --warmup "$warmup" --duration "$duration" 2>&1 \
    | awk -v l="$2" '/^  achieved/ {r=$2; sub("/s", "", r)} /uncorrected \(sent\)/ {p50=$3; p99=$5}
                     END {printf "%-14s %12s acks/s  p50 %7s ms  p99 %7s ms\n", l, r, p50, p99}'
}
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  rm -rf "$dir"/*
  "${java_run[@]}" cluster local --nodes 3 --base-port "$base" --dir "$dir/cluster" >"$dir/cluster.out" 2>&1 &
  pid=$!
  leader=""
  for _ in $(seq 1 300); do
    leader=$(curl -fsS "http://127.0.0.1:$base/v1/cluster" 2>/dev/null \
      | grep -o '"leaderUrl":"[^"]*"' | cut -d'"' -f4 || true)
    [[ -n "$leader" ]] && curl -fsS -o /dev/null "$leader/readyz" 2>/dev/null && break
    sleep 0.1
  done
  bench "$leader" "3 nodes (r$round)"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  "${java_run[@]}" serve --host 127.0.0.1 --port "$single" --data-dir "$dir/single" >"$dir/single.out" 2>&1 &
  pid=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$single/readyz" 2>/dev/null; do sleep 0.05; done
  bench "http://127.0.0.1:$single" "1 node (r$round)"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
