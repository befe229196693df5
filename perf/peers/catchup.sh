#!/usr/bin/env bash
# Follower catch-up: a 3-node loopback cluster is filled with N records (NDJSON batches of 1,000 x
# 64 B at durability=quorum); one follower is SIGKILLed, removed from the voters, its data
# directory wiped, and it comes back as a new replica (--cluster-state existing) that the leader
# adds. Prints the time from the add to the new replica's commit index reaching the leader's, and
# how it caught up. --mode bulk (a wiped follower gets a copy of the leader's files) or --mode
# entries (-Dstele.raft.bulk-catch-up-bytes=max: entries read back from the leader's segments, as
# before the copy existed).
#
#   perf/peers/catchup.sh [--jar server/target/stele.jar] [--records 2000000] [--runs 1]
#                         [--mode bulk|entries]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/server/target/stele.jar"
records=2000000
runs=1
mode=bulk
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jar) jar=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
# The cores keep 100 committed entries in memory (default 10,000: with batches of 1,000 records
# that would hold the whole log here), so the follower is served from the leader's disk either way.
case "$mode" in
  bulk) jopts=(-Dstele.raft.keep-entries=100) ;;
  entries) jopts=(-Dstele.raft.keep-entries=100 -Dstele.raft.bulk-catch-up-bytes=9223372036854775807) ;;
  *) echo "--mode bulk|entries" >&2; exit 2 ;;
esac
base=17401
peers="1=127.0.0.1:$base:$((base + 100)),2=127.0.0.1:$((base + 1)):$((base + 101)),3=127.0.0.1:$((base + 2)):$((base + 102))"
pids=("" "" "")
dir=$(mktemp -d /tmp/stele-perf-catchup.XXXXXX)
cleanup() {
  for p in "${pids[@]}"; do
    if [[ -n "$p" ]]; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
now_ms() { date +%s%3N; }
url() { echo "http://127.0.0.1:$((base + $1 - 1))"; }
start() { # node [serve options...]
  local n=$1; shift
  java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED "${jopts[@]}" -jar "$jar" serve \
    --node-id "$n" --peers "$peers" --port "$((base + n - 1))" --data-dir "$dir/node-$n" "$@" \
    >>"$dir/node-$n.log" 2>&1 &
  pids[n - 1]=$!
}
field() { # json name -> first numeric or string value
  grep -o "\"$2\":\"\?[^,\"}]*" <<<"$1" | head -1 | sed -E 's/.*:"?//'
}
leader() {
  local j
  for _ in $(seq 1 300); do
    j=$(curl -fsS "$(url 1)/v1/cluster" 2>/dev/null || true)
    [[ -n "$j" && "$(field "$j" leader)" =~ ^[1-3]$ && "$(field "$j" leader)" != 0 ]] && {
      field "$j" leader; return; }
    sleep 0.1
  done
  echo "no leader" >&2; exit 1
}
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg), mode $mode"
for run in $(seq 1 "$runs"); do
  rm -rf "$dir"/node-*
  for n in 1 2 3; do start "$n"; done
  L=$(leader)
  lurl=$(url "$L")
  until curl -fsS -o /dev/null "$lurl/readyz" 2>/dev/null; do sleep 0.05; done
  curl -fsS -o /dev/null -X PUT "$lurl/v1/topics/bench"
  end=0
  while (( end < records )); do
    java -cp "${BENCH_CP:-$jar}" io.stele.perf.BenchCli --url "$lurl" --quiet --scenario produce \
      --durability quorum --batch 1000 -c 4 --warmup 0s --duration 3s >/dev/null
    end=$(curl -fsS "$lurl/v1/topics/bench" | grep -o '"end_offset":[0-9]*' | head -1 | cut -d: -f2)
  done
  F=$(( L % 3 + 1 ))
  kill -9 "${pids[F - 1]}"; wait "${pids[F - 1]}" 2>/dev/null || true; pids[F - 1]=""
  curl -fsS -o /dev/null -X DELETE "$lurl/v1/cluster/voters/$F"
  size=$(du -sh "$dir/node-$L" | cut -f1)
  rm -rf "$dir/node-$F"
  start "$F" --cluster-state existing
  inc=""
  for _ in $(seq 1 300); do
    j=$(curl -fsS "$(url "$F")/v1/cluster" 2>/dev/null || true)
    inc=$(grep -o '"replica":"n[0-9]*\.[0-9]*' <<<"$j" | sed -E 's/.*\.//' || true)
    [[ -n "$inc" ]] && break
    sleep 0.05
  done
  commit=$(field "$(curl -fsS "$lurl/v1/cluster")" commitIndex)
  t0=$(now_ms)
  curl -fsS -o /dev/null -X POST "$lurl/v1/cluster/voters/$F?incarnation=$inc"
  while true; do
    c=$(field "$(curl -fsS "$(url "$F")/v1/cluster" 2>/dev/null || echo '{}')" commitIndex)
    [[ -n "$c" ]] && (( c >= commit )) && break
    sleep 0.02
  done
  t=$(( $(now_ms) - t0 ))
  how=$(grep -o "installed a copy of the leader's log up to index [0-9]*" "$dir/node-$F.log" | tail -1 || true)
  echo "run $run: $end records ($size on the leader); follower $F wiped and re-added:" \
    "commit index $commit reached in $t ms; ${how:-caught up from entries}"
  for n in 1 2 3; do
    p=${pids[n - 1]}
    if [[ -n "$p" ]]; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
    pids[n - 1]=""
  done
done
