#!/usr/bin/env bash
# Tuning profiles side by side: for each JDK and each --profile, a fresh node (bin/stele serve, so
# the profile's GC applies) is measured with 64 connections (throughput) and with 1 connection
# (latency), produce of 64 B at durability=local, closed loop. Rounds alternate the profiles.
#
#   perf/peers/profiles.sh [--rounds 2] [--jdks "/usr/lib/jvm/java-17-openjdk-amd64 ..."]
#                          [--duration 5s] [--warmup 5s]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=2
duration=5s
warmup=5s
jdks=""
for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
  [[ -x "$j/bin/java" ]] && jdks="$jdks $j"
done
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --jdks) jdks=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    *) sed -n '2,7p' "$0"; exit 2 ;;
  esac
done
port=17095
url="http://127.0.0.1:$port"
jar="$root/server/target/stele.jar"
pid=
dir=$(mktemp -d /tmp/stele-perf-profiles.XXXXXX)
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
summary() { # bench output -> "rate p50 p99"
  awk '/^  achieved/ {gsub(",", "", $2); sub("/s", "", $2); r=$2}
       /uncorrected \(sent\)/ {p50=$3; p99=$5}
       END {print r, p50, p99}'
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-11s %-5s %10s %9s %9s %10s %9s %9s\n' jdk profile round "c64 acks/s" "p50 ms" \
  "p99 ms" "c1 acks/s" "p50 ms" "p99 ms"
for jdk in $jdks; do
  v=$(grep -m1 '^JAVA_VERSION=' "$jdk/release" | cut -d'"' -f2)
  for round in $(seq 1 "$rounds"); do
    for profile in balanced latency throughput; do
      rm -rf "$dir/data"
      JAVA_HOME="$jdk" "$root/bin/stele" serve --profile "$profile" --host 127.0.0.1 \
        --port "$port" --data-dir "$dir/data" >>"$dir/log" 2>&1 &
      pid=$!
      until curl -fsS -o /dev/null "$url/readyz" 2>/dev/null; do sleep 0.05; done
      curl -fsS -o /dev/null -X PUT "$url/v1/topics/bench"
      b=(java -cp "$jar" io.stele.perf.BenchCli --url "$url" --scenario produce --durability local
        --warmup "$warmup" --duration "$duration")
      read -r r64 a64 b64 < <("${b[@]}" -c 64 2>&1 | summary)
      read -r r1 a1 b1 < <("${b[@]}" -c 1 2>&1 | summary)
      printf '%-8s %-11s %-5s %10s %9s %9s %10s %9s %9s\n' "$v" "$profile" "$round" "$r64" "$a64" \
        "$b64" "$r1" "$a1" "$b1"
      kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    done
  done
done
