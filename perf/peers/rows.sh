#!/usr/bin/env bash
# The single-node rows of the benchmark table, each one stele bench command against a fresh node,
# plus the wrk cross-check. Results (JSON, .hlog) and report.html/report.md go to --out.
#
#   perf/peers/rows.sh [--jar server/target/stele.jar] [--out DIR] [--runs 3] [--duration 10s]
#                      [--rows produce-open,batch,consume,sse,wrk]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/server/target/stele.jar"
out="$root/perf/results/rows-$(date -u +%Y%m%dT%H%M%SZ)"
runs=3
duration=10s
rows=produce-open,batch,consume,sse,wrk
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jar) jar=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    *) sed -n '2,7p' "$0"; exit 2 ;;
  esac
done
mkdir -p "$out"
port=17080
url="http://127.0.0.1:$port"
# BENCH_CP: run the generator from another class path (e.g. perf/target/classes + deps).
bench=(java -cp "${BENCH_CP:-$jar}" io.stele.perf.BenchCli --url "$url" --out "$out" --quiet)
pid=
dir=
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  [[ -n "$dir" && "$dir" == /tmp/stele-perf-rows.* ]] && rm -rf "$dir"
  return 0
}
trap cleanup EXIT INT TERM
fresh_node() {
  cleanup
  dir=$(mktemp -d /tmp/stele-perf-rows.XXXXXX)
  java -jar "$jar" serve --host 127.0.0.1 --port "$port" --data-dir "$dir/data" >"$dir/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && return 0; sleep 0.1; done
  echo "stele did not start" >&2; exit 1
}
show() { sed -n '/^step/p;/achieved/p;/errors/p;/  corrected (/p;/uncorrected (/p;/^  delivery /p;/per flush/p'; }
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt"

has() { [[ ",$rows," == *",$1,"* ]]; }
if has produce-open; then
  fresh_node
  for i in $(seq 1 "$runs"); do
    echo "== produce local, 64 connections, 50K/s offered (open loop), run $i"
    "${bench[@]}" --name stele-50k --scenario produce --durability local -c 64 --rate 50000 \
      --warmup 3s --duration "$duration" | show
  done
fi
if has batch; then
  fresh_node
  for i in $(seq 1 "$runs"); do
    echo "== NDJSON produce, 1000 records per request, 8 connections, closed loop, run $i"
    "${bench[@]}" --name stele-ndjson --scenario produce --durability local --batch 1000 -c 8 \
      --warmup 3s --duration "$duration" | show
  done
fi
if has consume; then
  fresh_node
  for i in $(seq 1 "$runs"); do
    echo "== consume, 1000-record pages, 4 connections, closed loop, run $i"
    "${bench[@]}" --name stele-consume --scenario consume --topic consume --prefill 1000000 \
      --limit 1000 -c 4 --warmup 3s --duration "$duration" | show
  done
fi
if has sse; then
  fresh_node
  for i in $(seq 1 "$runs"); do
    echo "== produce -> SSE delivery at 10K/s offered, 64 producer connections, run $i"
    "${bench[@]}" --name stele-sse --scenario sse --topic sse$i -c 64 --rate 10000 \
      --warmup 3s --duration "$duration" | show
  done
fi
if has wrk; then
  fresh_node
  curl -fsS -o /dev/null -X PUT "$url/v1/topics/bench"
  for i in $(seq 1 "$runs"); do
    echo "== cross-check /healthz, 64 connections, closed loop, run $i: wrk then stele bench"
    wrk -t1 -c64 -d"$duration" --latency "$url/healthz" | grep -E "Requests/sec|^ +(50|99)%"
    "${bench[@]}" --name stele-healthz --scenario get --path /healthz -c 64 --warmup 2s \
      --duration "$duration" | show
    echo "== cross-check produce local, 64 connections, closed loop, run $i: wrk then stele bench"
    wrk -t1 -c64 -d"$duration" --latency -s "$here/wrk-produce.lua" \
      "$url/v1/topics/bench/records?partition=0&durability=local" | grep -E "Requests/sec|^ +(50|99)%|Non-2xx"
    "${bench[@]}" --name stele-produce-c64 --scenario produce --durability local -c 64 \
      --warmup 2s --duration "$duration" | show
  done
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
java -cp "${BENCH_CP:-$jar}" io.stele.perf.BenchCli report "$out"/*.json --out "$out" --title "Stele single node, $(date -u +%F)"
