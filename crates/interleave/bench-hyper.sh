#!/usr/bin/env bash
# hyper on cvp-interleave against the same hyper server on tokio
# current-thread, loaded by wrk: requests/s and p99 latency at 50 and 1,000
# connections. The server runs on CPU 0, wrk on CPU 1 (taskset; see
# SERVER_CPU and WRK_CPUS below); each server
# stops by itself, every wrk run is bounded (DURATION seconds).
#
#   crates/interleave/bench-hyper.sh [DURATION] [ROUNDS] [--readme]
#
# It prints two tables and, under them, the verdict on the targets (at least
# tokio's requests/s, at most its p99, at each connection count) computed
# from the runs. With --readme they also replace what is between the
# hyper-table markers in crates/interleave/README.md. Takes about
# 4 * ROUNDS * (DURATION + 2) seconds after the build (5 15: about 7 minutes).
#
# DURATION seconds per measured wrk run (default 5); ROUNDS rounds per
# setting (default 5). In each round both servers run, the one that goes
# first alternating from round to round, and each server process first
# takes a 1 s wrk warm-up at the same connection count that is not
# recorded. The first table shows, per server, the median over the rounds
# of requests/s and of p99 latency, each with its range; the second, per
# setting, the median over the rounds of each round's ratio cvp/tokio, its
# range, and in how many rounds cvp did at least as well. The verdict is on
# those paired ratios: on this shared host a stall of a few milliseconds
# sets a run's p99 (the slowest request of a run is 4-10 ms against a
# ~0.4 ms cycle at 50 connections), so a ratio of runs made next to each
# other, in either order, is the figure that noise moves least. (A best
# round's requests/s with that round's p99 picks the p99 by chance.)
#
# SERVER_CPU (default 0) and WRK_CPUS (default 1, a taskset list such as
# 2-5) place the server and wrk; WRK_THREADS (default 1) sets wrk's -t. On
# a machine with cores to spare, give wrk enough of its own that it is not
# the bottleneck, for example WRK_CPUS=2-5 WRK_THREADS=4.
#
# Needs wrk (Debian: apt-get install -y wrk) and taskset (util-linux).
set -euo pipefail
DURATION=${1:-5}
ROUNDS=${2:-5}
README=${3:-}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPUS=${WRK_CPUS:-1}
WRK_THREADS=${WRK_THREADS:-1}
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "bench-hyper: wrk not found (apt-get install -y wrk)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "bench-hyper: taskset not found" >&2; exit 2; }
for v in DURATION ROUNDS WRK_THREADS; do
  [[ ${!v} =~ ^[1-9][0-9]{0,3}$ ]] || { echo "bench-hyper: $v must be a whole number from 1 to 9999, not '${!v}'" >&2; exit 2; }
done
[ -z "$README" ] || [ "$README" = --readme ] || { echo "bench-hyper: unknown argument '$README' (only --readme)" >&2; exit 2; }
for v in SERVER_CPU WRK_CPUS; do
  taskset -c "${!v}" true 2>/dev/null || { echo "bench-hyper: $v '${!v}' is not a CPU list this machine can run on" >&2; exit 2; }
done
cargo build --release -q -p cvp-interleave --features hyper --example hyper_server --example hyper_tokio
bin=${CARGO_TARGET_DIR:-target}/release/examples
ulimit -n 65536 2>/dev/null || true

run() { # key binary port conns
  local key=$1 exe=$2 port=$3 conns=$4 pid out rps p99 errs
  taskset -c "$SERVER_CPU" "$exe" "$port" $((DURATION + 12)) & pid=$!
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    sleep 0.1
  done
  taskset -c "$WRK_CPUS" timeout 20 wrk -t"$WRK_THREADS" -c"$conns" -d1s "http://127.0.0.1:$port/" >/dev/null || true
  out=$(taskset -c "$WRK_CPUS" timeout $((DURATION + 20)) wrk -t"$WRK_THREADS" -c"$conns" -d"${DURATION}s" --latency "http://127.0.0.1:$port/")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errs=$(awk '/Socket errors|Non-2xx/ {print}' <<<"$out" | tr '\n' ' ')
  echo "$key|$conns|$rps|$p99|${errs:-none}"
}

# Every measured run, one line each: key|conns|rps|p99|errors|round.
rounds() {
  local r conns
  for conns in 50 1000; do
    for r in $(seq "$ROUNDS"); do
      if [ $((r % 2)) = 1 ]; then
        echo "$(run cvp "$bin/hyper_server" 3100 "$conns")|$r"
        echo "$(run tokio "$bin/hyper_tokio" 3101 "$conns")|$r"
      else
        echo "$(run tokio "$bin/hyper_tokio" 3101 "$conns")|$r"
        echo "$(run cvp "$bin/hyper_server" 3100 "$conns")|$r"
      fi
    done
  done
}

# The two tables and the verdict, from the runs.
report() {
  awk -F'|' -v rounds="$ROUNDS" '
    function secs(v) {
      if (v ~ /us$/) return v / 1e6
      if (v ~ /ms$/) return v / 1e3
      if (v ~ /s$/) return v + 0
      return v + 0
    }
    function sort(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    }
    function median(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    # Median and range of v[k, c, 1..] into m, lo, hi.
    function stats(v, k, c,   i, a, n) {
      n = 0
      for (i = 1; i <= rounds; i++) if ((k, c, i) in v) a[++n] = v[k, c, i]
      sort(a, n); m = median(a, n); lo = a[1]; hi = a[n]; return n
    }
    NF >= 6 && $3 > 0 {
      k = $1; c = $2; i = $6
      rps[k, c, i] = $3 + 0; p99[k, c, i] = secs($4) * 1e3
      if (!(c in seenc)) { seenc[c] = 1; conns[++nc] = c }
      if ($5 != "none" && !((k, $5) in seen)) { seen[k, $5] = 1; errs[k, c] = errs[k, c] (errs[k, c] ? "; " : "") $5 }
    }
    END {
      name["cvp"] = "hyper on cvp-interleave"; name["tokio"] = "hyper on tokio current-thread"
      printf "| server | connections | requests/s, median of %d rounds (min–max) | p99 latency, median (min–max) | errors |\n", rounds
      print "|---|---|---|---|---|"
      for (j = 1; j <= nc; j++) for (s = 1; s <= 2; s++) {
        k = s == 1 ? "cvp" : "tokio"; c = conns[j]
        if (!stats(rps, k, c)) continue
        line = sprintf("| %s | %s | %.0f (%.0f–%.0f) |", name[k], c, m, lo, hi)
        stats(p99, k, c)
        printf "%s %.2fms (%.2f–%.2fms) | %s |\n", line, m, lo, hi, (errs[k, c] ? errs[k, c] : "none")
      }
      print ""
      print "| connections | requests/s cvp/tokio, each round, median (min–max) | rounds cvp ≥ tokio | p99 cvp/tokio, each round, median (min–max) | rounds cvp ≤ tokio |"
      print "|---|---|---|---|---|"
      verdict = "Against tokio, medians of the ratios of runs made next to each other:"
      for (j = 1; j <= nc; j++) {
        c = conns[j]; n = 0; wr = 0; wp = 0
        for (i = 1; i <= rounds; i++) {
          if (!(("cvp", c, i) in rps) || !(("tokio", c, i) in rps)) continue
          n++
          rr[c, n] = rps["cvp", c, i] / rps["tokio", c, i]; pr[c, n] = p99["cvp", c, i] / p99["tokio", c, i]
          wr += rr[c, n] >= 1; wp += pr[c, n] <= 1
        }
        if (!n) continue
        for (i = 1; i <= n; i++) { a1[i] = rr[c, i]; a2[i] = pr[c, i] }
        sort(a1, n); sort(a2, n)
        mr = median(a1, n); mp = median(a2, n)
        printf "| %s | %.3fx (%.3f–%.3fx) | %d of %d | %.3fx (%.3f–%.3fx) | %d of %d |\n", c, mr, a1[1], a1[n], wr, n, mp, a2[1], a2[n], wp, n
        verdict = verdict sprintf("%s at %s connections, requests/s %.3fx (at least 1x: %s), p99 %.3fx (at most 1x: %s)", \
          (j > 1 ? ";" : ""), c, mr, (mr >= 1 ? "met" : "**not met**"), mp, (mp <= 1 ? "met" : "**not met**"))
        delete a1; delete a2
      }
      print ""
      print verdict "."
    }' <<<"$1"
}

out=$(report "$(rounds)")
echo "$out"
if [ "$README" = "--readme" ]; then
  f=crates/interleave/README.md
  awk -v t="$out" '/<!-- hyper-table -->/ {print; print t; skip=1; next} /<!-- \/hyper-table -->/ {skip=0} !skip' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
  echo "bench-hyper: table written to $f" >&2
fi
