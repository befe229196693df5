#!/usr/bin/env bash
# Stele and its peers back to back under identical load, on loopback, then ratios and a report.
#
#   perf/peers/compare.sh [--jar server/target/stele.jar] [--out DIR] [--runs 3]
#                         [--duration 10s] [--warmup 3s] [--connections 64] [--rate 0]
#                         [--only produce|ds|all]
#
# produce: Stele POST durability=local vs Redis XADD with appendfsync always, same connections,
#          same 64 B payload, same generator (stele bench, RESP for Redis), same rate (0 = closed
#          loop: as fast as each connection's answers allow).
# ds:      Durable Streams appends, Stele /v1/stream vs the Node reference server (file-backed),
#          16 connections.
# Runs alternate between systems (S R S R ...) so drift in the machine's load hits both alike; the
# ratio uses the median of each. Every process started here is stopped by PID on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

jar="$root/server/target/stele.jar"
out="$root/perf/results/$(date -u +%Y%m%dT%H%M%SZ)"
runs=3
duration=10s
warmup=3s
connections=64
rate=0
only=all
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jar) jar=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
[[ -f "$jar" ]] || { echo "no jar at $jar (build: ./mvnw -B -q -DskipTests -pl server -am package)" >&2; exit 2; }
mkdir -p "$out"
# BENCH_CP: run the generator from another class path (e.g. perf/target/classes + deps).
bench=(java -cp "${BENCH_CP:-$jar}" io.stele.perf.BenchCli)

pids=()
dirs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  for d in "${dirs[@]}"; do [[ "$d" == /tmp/stele-perf-* ]] && rm -rf "$d"; done
}
trap cleanup EXIT INT TERM

stele_port=17070
redis_port=16379
ds_port=14437

start_stele() {
  local dir
  dir=$(mktemp -d /tmp/stele-perf-stele.XXXXXX)
  dirs+=("$dir")
  java -jar "$jar" serve --host 127.0.0.1 --port "$stele_port" --data-dir "$dir/data" \
    >"$dir/stele.log" 2>&1 &
  stele_pid=$!
  pids+=("$stele_pid")
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:$stele_port/readyz" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "stele did not become ready; see $dir/stele.log" >&2
  exit 1
}
stop_pid() { kill "$1" 2>/dev/null || true; for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null || true; }

common=(--connections "$connections" --rate "$rate" --duration "$duration" --warmup "$warmup"
  --payload 64 --quiet --out "$out")

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt"

if [[ "$only" == all || "$only" == produce ]]; then
  start_stele
  read -r redis_pid redis_dir < <("$here/redis.sh" start "$redis_port")
  pids+=("$redis_pid"); dirs+=("$redis_dir")
  for i in $(seq 1 "$runs"); do
    echo "== run $i/$runs: stele produce durability=local"
    "${bench[@]}" --url "http://127.0.0.1:$stele_port" --scenario produce --durability local \
      --name stele "${common[@]}" | sed -n '/offered/,/records per flush/p'
    echo "== run $i/$runs: redis XADD appendfsync always"
    "${bench[@]}" --url "redis://127.0.0.1:$redis_port" --scenario xadd --topic bench-xadd \
      --name redis-always "${common[@]}" | sed -n '/offered/,/uncorrected/p'
  done
  echo "== redis-benchmark (closed loop, its own client) for reference"
  "$here/redis.sh" bench "$redis_port" "$connections" 200000 64 | tee "$out/redis-benchmark.txt"
  stop_pid "$stele_pid"
  stop_pid "$redis_pid"
fi

if [[ "$only" == all || "$only" == ds ]]; then
  start_stele
  read -r ds_pid ds_dir < <("$here/ds-node.sh" start "$ds_port")
  pids+=("$ds_pid"); dirs+=("$ds_dir")
  ds_common=(--connections 16 --rate "$rate" --duration "$duration" --warmup "$warmup" --payload 64
    --quiet --out "$out")
  for i in $(seq 1 "$runs"); do
    echo "== run $i/$runs: stele Durable Streams append"
    "${bench[@]}" --url "http://127.0.0.1:$stele_port" --scenario ds-append --topic ds-s$i \
      --name stele-ds "${ds_common[@]}" | sed -n '/offered/,/uncorrected/p' \
      || echo "(stele's Durable Streams surface did not answer; skipped)"
    echo "== run $i/$runs: ds-node reference append"
    "${bench[@]}" --url "http://127.0.0.1:$ds_port" --scenario ds-append --topic ds-n$i \
      --name ds-node "${ds_common[@]}" | sed -n '/offered/,/uncorrected/p'
  done
  stop_pid "$stele_pid"
  stop_pid "$ds_pid"
fi

echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
python3 - "$out" <<'PY'
import json, glob, statistics, sys, collections
out = sys.argv[1]
by = collections.defaultdict(list)
for f in sorted(glob.glob(out + "/*.json")):
    r = json.load(open(f))
    s = r["summary"]
    by[r["name"]].append((s["achieved_rate"], (s.get("latency_ms") or {}).get("p99")))
med = {}
print("\n%-14s %5s %14s %12s" % ("system", "runs", "median req/s", "median p99"))
for name, v in by.items():
    rates = [a for a, _ in v]
    p99s = [p for _, p in v if p is not None]
    med[name] = statistics.median(rates)
    print("%-14s %5d %14.0f %10.3f ms" % (name, len(v), med[name], statistics.median(p99s) if p99s else float("nan")))
for a, b in (("stele", "redis-always"), ("stele-ds", "ds-node")):
    if a in med and b in med and med[b] > 0:
        print("ratio %s / %s = %.2fx" % (a, b, med[a] / med[b]))
PY
"${bench[@]}" report "$out"/*.json --out "$out" --title "Stele vs peers, $(date -u +%F)"
