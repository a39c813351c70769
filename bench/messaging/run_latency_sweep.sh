#!/usr/bin/env bash
# Publish-to-deliver latency versus subscriber count (docs/performance.md, "Latency versus
# subscribers"): for each count of SUBSCRIBERS, the latency scenario of run_messaging_bench.sh
# (one publisher, LATENCY_MESSAGES messages at LATENCY_RATE/s, a fresh server per run) on each
# channel of CHANNELS against `amphora serve`, and over WebSocket against each bare server of
# BASELINES (`amphora fanout`). Prints each run's JSON line, then the table of latency_table.py:
# p50/p90/p99/max, the median time from a publish to its first and to its last delivery, and the
# server CPU per delivery and per published message. About 8 minutes with the defaults.
#   bench/messaging/run_latency_sweep.sh
#   SUBSCRIBERS="250 500 1000 2000 5000 10000"
#   CHANNELS="websocket streaming longpoll"
#   BASELINES="2 2c"        `amphora fanout --threads N` (Nc: --coalesce); empty: none
#   LATENCY_RATE=2, LATENCY_MESSAGES=20, THREADS, CLIENT_THREADS, BUILD_DIR, SERVER
#                           as for run_messaging_bench.sh
#   RESULTS=FILE            keep the JSON lines in FILE (appended to)
# Loopback only; every run is bounded by msgload's timeouts; the servers are always stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
results=${RESULTS:-$(mktemp)}
[[ -n "${RESULTS:-}" ]] || trap 'rm -f "$results"' EXIT
start=0
[[ ! -f "$results" ]] || start=$(wc -l <"$results")
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for subscribers in ${SUBSCRIBERS:-250 500 1000 2000 5000 10000}; do
  SCENARIOS=latency HOLD_CHANNELS= FANOUT_PUBLISHERS=1 FANOUT_CLIENTS=$subscribers \
    CHANNELS=${CHANNELS:-websocket streaming longpoll} BASELINES=${BASELINES-2 2c} \
    RESULTS=$results "$here/run_messaging_bench.sh" >/dev/null
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
tail -n +"$((start + 1))" "$results" | python3 "$here/latency_table.py"
