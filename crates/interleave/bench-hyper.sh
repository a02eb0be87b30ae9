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
# 4 * ROUNDS * (DURATION + 1) seconds after the build (5 5: about 2 minutes).
#
# DURATION seconds per wrk run (default 5); ROUNDS alternating rounds per
# setting (default 5): the table shows, per server, the median over the
# rounds of requests/s and of p99 latency, each with its range, and the
# verdict compares medians. (A best round's requests/s with that round's
# p99 picks the p99 by chance: the two servers' p99s at one setting swing
# past each other from round to round.)
#
# Needs wrk (Debian: apt-get install -y wrk) and taskset (util-linux).
set -euo pipefail
DURATION=${1:-5}
ROUNDS=${2:-5}
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
  echo "| server | connections | requests/s, median of $ROUNDS rounds (min–max) | p99 latency, median (min–max) | errors |"
  echo "|---|---|---|---|---|"
  for conns in 50 1000; do
    local li="" lt=""
    for _ in $(seq "$ROUNDS"); do
      li+=$(run "hyper on cvp-interleave" "$bin/hyper_server" 3100 "$conns")$'\n'
      lt+=$(run "hyper on tokio current-thread" "$bin/hyper_tokio" 3101 "$conns")$'\n'
    done
    summarise "$li"
    summarise "$lt"
  done
}

# One table row from a server's rounds (name|conns|rps|p99|errors each):
# the median and range of requests/s and of p99 over the rounds.
summarise() {
  awk -F'|' '
    function secs(v) {
      if (v ~ /us$/) return v / 1e6
      if (v ~ /ms$/) return v / 1e3
      return v + 0
    }
    function sort(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    }
    function median(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    NF >= 5 {
      n++; name = $1; conns = $2; r[n] = $3 + 0; p[n] = secs($4) * 1e3
      if ($5 != "none" && !($5 in seen)) { seen[$5] = 1; errs = errs (errs ? "; " : "") $5 }
    }
    END {
      sort(r, n); sort(p, n)
      printf "| %s | %s | %.0f (%.0f–%.0f) | %.2fms (%.2f–%.2fms) | %s |\n", name, conns, median(r, n), r[1], r[n], median(p, n), p[1], p[n], (errs ? errs : "none")
    }' <<<"$1"
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
    # "median (min–max)": sets lo and hi, returns the median.
    function parse(f,   a, b) {
      split(f, a, "(")
      split(a[2], b, "–")
      lo = secs(b[1]); hi = b[2]; sub(/\).*/, "", hi); hi = secs(hi)
      if (b[1] !~ /[a-z]$/ && f ~ /ms/) { lo = lo / 1e3 }
      return secs(a[1] ~ /ms/ ? substr(a[1], 1, index(a[1], "ms") + 1) : a[1])
    }
    function judge(ok, overlap) {
      if (ok) return "met"
      return overlap ? "**not met** by the medians, within the rounds'"'"' spread" : "**not met**"
    }
    { for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i) }
    $2 ~ /cvp-interleave/ { r[$3] = parse($4); rlo[$3] = lo; rhi[$3] = hi; p[$3] = parse($5); plo[$3] = lo; phi[$3] = hi }
    $2 ~ /tokio/ { tr[$3] = parse($4); trlo[$3] = lo; trhi[$3] = hi; tp[$3] = parse($5); tplo[$3] = lo; tphi[$3] = hi; order[++n] = $3 }
    END {
      line = "Against tokio, medians over the rounds:"
      for (i = 1; i <= n; i++) {
        c = order[i]
        if (!(c in r) || tr[c] <= 0 || tp[c] <= 0) continue
        rr = r[c] / tr[c]; pr = p[c] / tp[c]
        line = line sprintf("%s at %s connections, requests/s %.3fx (at least 1x: %s), p99 %.3fx (at most 1x: %s)", \
          (i > 1 ? ";" : ""), c, rr, judge(rr >= 1, rhi[c] >= trlo[c]), pr, judge(pr <= 1, plo[c] <= tphi[c]))
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
