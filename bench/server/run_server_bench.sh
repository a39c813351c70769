#!/usr/bin/env bash
# The server load benchmark (docs/performance.md, "Server"): starts `amphora serve` on 127.0.0.1,
# any free port, and drives it with `amphora loadgen` from the same machine: GET /health (the
# baseline: HTTP only), then EchoService.echo as a NetConnection AMF0 call and as a Flex
# RemotingMessage, RUNS times each, interleaved. Prints one line per run and a Markdown table of
# medians with min-max spread, the ratio to /health in the same run, and the server's CPU time per
# call (from /proc, less sensitive to the other processes on this shared machine than calls/s).
#   bench/server/run_server_bench.sh [RUNS]     (default 3)
#   CONNECTIONS=64 DURATION=5 WARMUP=1           loadgen settings
#   THREADS=N                                    serve's --threads (default: one I/O thread per core)
#   LOG_LEVEL=warn                               serve's --log-level (info: one line per request
#                                                to stderr, sent to $BUILD_DIR/bench-serve.log)
#   WRK=1                                        also run wrk (bench/server/echo.lua) on the nc body
#   BUILD_DIR=...                                build tree (default build/release)
#   SERVER=path/to/amphora                       serve with another build (e.g. before a change);
#                                                loadgen is always $BUILD_DIR's
# Loopback only; every run is bounded by DURATION + WARMUP; the server is always stopped.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
source "$AMPHORA_ROOT/bench/lib.sh"
cd "$AMPHORA_ROOT"

runs=${1:-3}
connections=${CONNECTIONS:-64}
duration=${DURATION:-5}
warmup=${WARMUP:-1}
log_level=${LOG_LEVEL:-warn}
threads=()
[[ -n "${THREADS:-}" ]] && threads=(--threads "$THREADS")
bench_build_amphora
build=$bench_build
amphora=$bench_amphora
bench_make_work
work=$bench_work
bench_start_server "$build/bench-serve.log" "${threads[@]}" --log-level "$log_level"
port=$bench_port
server_pid=$bench_server_pid

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
bench_print_context
echo "server: $bench_server serve --port $port ${threads[*]} --log-level $log_level; loadgen: -c $connections -d $duration --warmup $warmup" >&2
results=$work/results.jsonl
for run in $(seq "$runs"); do
  for kind in health nc flex; do
    before=$(cpu_ticks)
    line=$("$amphora" loadgen --port "$port" --request "$kind" --connections "$connections" \
      --duration "$duration" --warmup "$warmup" --json) || [[ "$line" == '{'* ]] ||
      amphora_die "loadgen $kind failed: $line"  # failed calls (exit 1) are counted in the table
    after=$(cpu_ticks)
    echo "$line" | sed "s/}\$/,\"run\":$run,\"server_ticks\":$((after - before)),\"tick_hz\":$(getconf CLK_TCK),\"warmup\":$warmup}/" |
      tee -a "$results" >&2
  done
done

if [[ -n "${WRK:-}" ]] && command -v wrk >/dev/null; then
  "$amphora" loadgen --request nc --save-body "$work/nc.amf"
  AMPHORA_WRK_BODY=$work/nc.amf wrk -t1 -c"$connections" -d"${duration}s" -s bench/server/echo.lua \
    "http://127.0.0.1:$port/amf" >&2
fi

python3 - "$results" <<'EOF'
import json, statistics, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
health = {r["run"]: r["calls_per_s"] for r in rows if r["request"] == "health"}
print("| request | calls/s (median, min-max) | vs /health | p50 ms | p90 ms | p99 ms (median, max) "
      "| server CPU us/call | loadgen CPU us/call | 2-core ceiling calls/s | errors |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for kind in ("health", "nc", "flex"):
    rs = [r for r in rows if r["request"] == kind]
    rate = [r["calls_per_s"] for r in rs]
    ratio = [r["calls_per_s"] / health[r["run"]] for r in rs]
    # CPU over warmup and measurement, per call at the measured rate over the same time.
    calls = lambda r: r["calls_per_s"] * (r["seconds"] + r["warmup"])
    cpu = [1e6 * r["server_ticks"] / r["tick_hz"] / calls(r) for r in rs if r["calls"]]
    client = [1e6 * r["client_cpu_s"] / calls(r) for r in rs if r["calls"]]
    # What two otherwise idle cores could do if both processes were CPU-bound: 2 s of CPU per
    # second over the server's and the client's CPU per call. An estimate, not a measurement.
    ceiling = [2e6 / (s + c) for s, c in zip(cpu, client)]
    med = statistics.median
    print(f"| {kind} | {med(rate):,.0f} ({min(rate):,.0f}-{max(rate):,.0f}) | {med(ratio):.2f} "
          f"| {med(r['p50_ms'] for r in rs):.2f} | {med(r['p90_ms'] for r in rs):.2f} "
          f"| {med(r['p99_ms'] for r in rs):.2f} ({max(r['p99_ms'] for r in rs):.2f}) "
          f"| {med(cpu):.1f} | {med(client):.1f} | {med(ceiling):,.0f} | {sum(r['errors'] for r in rs)} |")
EOF
