# Shared by the benchmark scripts: measuring a URL with wrk, and starting and stopping
# a server. Source it; it expects THREADS, CONNECTIONS and DURATION to be set.

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

# measure URL [wrk options…]: sets RPS, P50, P90, P99 (ms) and ERRORS (non-2xx/3xx and
# socket errors, empty if none) from one wrk run.
measure() {
  local url=$1
  shift
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  RPS=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  ms() { awk -v p="$1" '$1 == p { v=$2; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 } printf "%.2f", v }' <<<"$out"; }
  P50=$(ms 50%)
  P90=$(ms 90%)
  P99=$(ms 99%)
  ERRORS=$(awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(/,/,""); n+=$4+$6+$8+$10} END {if (n) print n}' <<<"$out")
}

# warm URL [wrk options…]: three seconds of load, not counted.
warm() {
  local url=$1
  shift
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "$@" "$url" >/dev/null
}

# wait_ready URL: until it answers, at most 30 s; prints the seconds it took.
wait_ready() {
  local started
  started=$(date +%s.%N)
  for _ in $(seq 1 3000); do
    curl -sf "$1" >/dev/null && break
    sleep 0.01
  done
  curl -sf "$1" >/dev/null || { echo "not ready: $1" >&2; return 1; }
  awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'
}

# peak_rss_mb PID: the process's peak resident memory (VmHWM), in MiB.
peak_rss_mb() {
  awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}
