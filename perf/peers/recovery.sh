#!/usr/bin/env bash
# Recovery after SIGKILL: fill a fresh node with N durable records (NDJSON batches of 1,000 at
# durability=local), SIGKILL it, start it again on the same data directory, and time the restart
# to /readyz and to the first successful read of the last acknowledged record. The repository's
# jar is started through bin/stele, as an operator would.
#
#   perf/peers/recovery.sh [--jar server/target/stele.jar] [--records 1000000] [--runs 1]
#                          [--restarts K [--compare OTHER/bin/stele]]
#
# --restarts K keeps a copy of the killed data directory and restarts K times, each from a fresh
# copy of it (same tail to recover every time, page cache warm), stopping each with SIGTERM;
# --compare alternates those restarts between bin/stele and another checkout's launcher (a build
# to compare against), on the same copies.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/server/target/stele.jar"
records=1000000
runs=1
restarts=0
compare=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jar) jar=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --restarts) restarts=$2; shift 2 ;;
    --compare) compare=$2; shift 2 ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
if [[ -n "$compare" && ! -x "$compare" ]]; then
  echo "recovery.sh: --compare needs an executable launcher, got '$compare'" >&2; exit 2
fi
port=17085
url="http://127.0.0.1:$port"
bench=(java -cp "${BENCH_CP:-$jar}" io.stele.perf.BenchCli --url "$url" --quiet)
pid=
dir=$(mktemp -d /tmp/stele-perf-recovery.XXXXXX)
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
now_ms() { date +%s%3N; }
start() {
  # through bin/stele (its JVM flags and class-data archive) unless another jar is measured
  if [[ "$jar" -ef "$root/server/target/stele.jar" ]]; then
    "$root/bin/stele" serve --host 127.0.0.1 --port "$port" --data-dir "$dir/data" >>"$dir/log" 2>&1 &
  else
    java -jar "$jar" serve --host 127.0.0.1 --port "$port" --data-dir "$dir/data" >>"$dir/log" 2>&1 &
  fi
  pid=$!
}
end_offset() {
  curl -fsS "$url/v1/topics/bench" | grep -o '"end_offset":[0-9]*' | head -1 | cut -d: -f2
}
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$runs"); do
  rm -rf "$dir/data"
  start
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && break; sleep 0.1; done
  curl -fsS -o /dev/null -X PUT "$url/v1/topics/bench"
  fill_start=$(now_ms)
  while (( $(end_offset) < records )); do
    "${bench[@]}" --scenario produce --durability local --batch 1000 -c 4 --warmup 0s \
      --duration 3s >/dev/null
  done
  acked=$(end_offset)
  fill_s=$(( ($(now_ms) - fill_start) / 1000 ))
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=
  if (( restarts > 0 )); then cp -a "$dir/data" "$dir/killed"; fi
  t0=$(now_ms)
  start
  until curl -fsS -o /dev/null "$url/readyz" 2>/dev/null; do sleep 0.01; done
  t_ready=$(( $(now_ms) - t0 ))
  until curl -fsS "$url/v1/topics/bench/partitions/0/records?offset=$((acked - 1))&limit=1" 2>/dev/null \
      | grep -q '"offset"'; do sleep 0.01; done
  t_read=$(( $(now_ms) - t0 ))
  recovered=$(end_offset)
  echo "run $run: $acked records acknowledged (filled in ${fill_s}s, $(du -sh "$dir/data" | cut -f1) on disk);" \
    "SIGKILL; restart to /readyz ${t_ready} ms, to reading offset $((acked - 1)) ${t_read} ms;" \
    "end offset after recovery $recovered"
  if (( recovered < acked )); then echo "LOST ACKNOWLEDGED RECORDS: $recovered < $acked" >&2; exit 1; fi
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  (( restarts > 0 )) || continue
  # The node was stopped with SIGTERM above; the copies restart from the killed state, kept here.
  rm -rf "$dir/data"
  mv "$dir/killed" "$dir/data.killed"
  for k in $(seq 1 "$restarts"); do
    for launcher in "$root/bin/stele" ${compare:+"$compare"}; do
      rm -rf "$dir/data"; cp -a "$dir/data.killed" "$dir/data"; sync
      : >"$dir/log"
      t0=$(now_ms)
      "$launcher" serve --host 127.0.0.1 --port "$port" --data-dir "$dir/data" >>"$dir/log" 2>&1 &
      pid=$!
      until curl -fsS -o /dev/null "$url/readyz" 2>/dev/null; do sleep 0.005; done
      t_ready=$(( $(now_ms) - t0 ))
      recovered=$(end_offset)
      kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
      if (( recovered < acked )); then echo "LOST ACKNOWLEDGED RECORDS: $recovered < $acked" >&2; exit 1; fi
      echo "run $run restart $k ($launcher): /readyz ${t_ready} ms;" \
        "$(grep -o 'log recovered in [0-9]* ms' "$dir/log" | head -1)"
    done
  done
  rm -rf "$dir/data.killed"
done
