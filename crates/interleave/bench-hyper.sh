#!/usr/bin/env bash
# hyper on cvp-interleave against the same hyper server on tokio
# current-thread, loaded by wrk: requests/s and p99 latency at 50 and 1,000
# connections. The server runs on CPU 0, wrk on CPU 1 (taskset); each server
# stops by itself, every wrk run is bounded (DURATION seconds).
#
#   crates/interleave/bench-hyper.sh [DURATION] [ROUNDS] [--readme]
#
# It prints a table and, under it, the verdict on the targets (at least
# tokio's requests/s, at most its p99, at each connection count) computed
# from the table. With --readme both also replace what is between the
# hyper-table markers in crates/interleave/README.md. Takes about
# 4 * ROUNDS * (DURATION + 1) seconds after the build (5 3: about 75 s).
#
# DURATION seconds per wrk run (default 5); ROUNDS alternating rounds per
# setting (default 3): the table shows, per server, the round with the most
# requests/s (other load on the machine only ever makes a round worse).
#
# Needs wrk (Debian: apt-get install -y wrk) and taskset (util-linux).
set -euo pipefail
DURATION=${1:-5}
ROUNDS=${2:-3}
README=${3:-}
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "bench-hyper: wrk not found (apt-get install -y wrk)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "bench-hyper: taskset not found" >&2; exit 2; }
cargo build --release -q -p cvp-interleave --features hyper --example hyper_server --example hyper_tokio
bin=${CARGO_TARGET_DIR:-target}/release/examples
ulimit -n 65536 2>/dev/null || true

run() { # name binary port conns
  local name=$1 exe=$2 port=$3 conns=$4 pid out rps p99
  taskset -c 0 "$exe" "$port" $((DURATION + 10)) & pid=$!
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    sleep 0.1
  done
  out=$(taskset -c 1 timeout $((DURATION + 20)) wrk -t1 -c"$conns" -d"${DURATION}s" --latency "http://127.0.0.1:$port/")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errs=$(awk '/Socket errors|Non-2xx/ {print}' <<<"$out" | tr '\n' ' ')
  echo "$name|$conns|$rps|$p99|${errs:-none}"
}

table() {
  echo "| server | connections | requests/s (best of $ROUNDS) | p99 latency (that round) | errors |"
  echo "|---|---|---|---|---|"
  for conns in 50 1000; do
    best_i="" best_t=""
    for _ in $(seq "$ROUNDS"); do
      li=$(run "hyper on cvp-interleave" "$bin/hyper_server" 3100 "$conns")
      lt=$(run "hyper on tokio current-thread" "$bin/hyper_tokio" 3101 "$conns")
      better() { awk -F'|' -v a="$1" -v b="$2" 'BEGIN { split(a, x, "|"); split(b, y, "|"); exit !(x[3] + 0 > y[3] + 0) }'; }
      if [ -z "$best_i" ] || better "$li" "$best_i"; then best_i=$li; fi
      if [ -z "$best_t" ] || better "$lt" "$best_t"; then best_t=$lt; fi
    done
    for line in "$best_i" "$best_t"; do
      IFS='|' read -r n c r p e <<<"$line"
      echo "| $n | $c | $r | $p | $e |"
    done
  done
}

# The verdict on the targets (at least tokio's requests/s, at most its p99),
# computed from the table's rows.
verdict() {
  awk -F'|' '
    function secs(v) {
      if (v ~ /us$/) return v / 1e6
      if (v ~ /ms$/) return v / 1e3
      return v + 0
    }
    function judge(ok) { return ok ? "met" : "**not met**" }
    { for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i) }
    $2 ~ /cvp-interleave/ { r[$3] = $4 + 0; p[$3] = secs($5) }
    $2 ~ /tokio/ { tr[$3] = $4 + 0; tp[$3] = secs($5); order[++n] = $3 }
    END {
      line = "Against tokio in the rounds shown:"
      for (i = 1; i <= n; i++) {
        c = order[i]
        if (!(c in r) || tr[c] <= 0 || tp[c] <= 0) continue
        rr = r[c] / tr[c]; pr = p[c] / tp[c]
        line = line sprintf("%s at %s connections, requests/s %.3fx (at least 1x: %s), p99 %.3fx (at most 1x: %s)", \
          (i > 1 ? ";" : ""), c, rr, judge(rr >= 1), pr, judge(pr <= 1))
      }
      print line "."
    }' <<<"$1"
}

out=$(table)
out=$(printf '%s\n\n%s' "$out" "$(verdict "$out")")
echo "$out"
if [ "$README" = "--readme" ]; then
  f=crates/interleave/README.md
  awk -v t="$out" '/<!-- hyper-table -->/ {print; print t; skip=1; next} /<!-- \/hyper-table -->/ {skip=0} !skip' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
  echo "bench-hyper: table written to $f" >&2
fi
