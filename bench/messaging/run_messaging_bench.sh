#!/usr/bin/env bash
# The messaging load benchmark (docs/performance.md, "Messaging"): for each scenario, starts a fresh
# `amphora serve` on 127.0.0.1 (any free port, limits raised for 20,000+ clients) and drives it
# with `amphora msgload` from the same machine, subscribers spread over the loopback source
# addresses 127.0.0.2-127.0.0.40. Prints one JSON line per run and a Markdown table: subscribers
# held, the server's RSS while holding them, deliveries/s, publish-to-deliver p50/p99.
#   bench/messaging/run_messaging_bench.sh
#   HOLD_CLIENTS=20000      subscribers of the "hold" scenarios (each channel, then both at once),
#                           by default 20,000 or the open-file limit less 100 if that is lower
#   FANOUT_CLIENTS=10000    subscribers of the fan-out and latency scenarios
#   FANOUT_MESSAGES=20      messages of the fan-out scenarios (each published once the last is acked)
#   LATENCY_RATE=2          messages/s of the latency scenarios, LATENCY_MESSAGES=20 of them
#   CHANNELS="longpoll websocket"  (a streaming channel, once there, is one more name here)
#   THREADS=N               serve's --threads (default: one I/O thread per core)
#   CLIENT_THREADS=1        msgload's --threads
#   BUILD_DIR=...           build tree (default build/release)
#   SERVER=path/to/amphora  serve with another build (e.g. before a change)
# Loopback only; every run is bounded by msgload's timeouts; the servers are always stopped.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$AMPHORA_ROOT"

build=${BUILD_DIR:-$AMPHORA_ROOT/build/release}
# One descriptor per connection: the server needs one per subscriber plus a few. Raise this
# shell's limit if it may (as root with CAP_SYS_RESOURCE); serve and msgload raise their soft
# limit to the hard one themselves and say so when it is too low.
ulimit -n 45000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fd_limit=$(ulimit -n)
default_hold=$((fd_limit - 100 < 20000 ? fd_limit - 100 : 20000))
hold_clients=${HOLD_CLIENTS:-$default_hold}
fanout_clients=${FANOUT_CLIENTS:-10000}
fanout_messages=${FANOUT_MESSAGES:-20}
latency_rate=${LATENCY_RATE:-2}
latency_messages=${LATENCY_MESSAGES:-20}
channels=${CHANNELS:-longpoll websocket}
client_threads=${CLIENT_THREADS:-1}
sources=127.0.0.2-127.0.0.40
threads=()
[[ -n "${THREADS:-}" ]] && threads=(--threads "$THREADS")
cmake -S "$AMPHORA_ROOT" -B "$build" -G Ninja "${AMPHORA_RELEASE_OPTIONS[@]}" >/dev/null
cmake --build "$build" -j "$AMPHORA_JOBS" --target amphora >/dev/null
amphora=$build/apps/amphora/amphora
server=${SERVER:-$amphora}

work=$(mktemp -d)
server_pid=
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill -INT "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

port=
start_server() {
  local max=$((hold_clients + 1000 < fd_limit - 64 ? hold_clients + 1000 : fd_limit - 64))
  "$server" serve --port 0 "${threads[@]}" --log-level warn --max-connections "$max" \
    --max-parked-polls "$max" --rate-limit 0 >"$work/banner" 2>"$build/bench-messaging-serve.log" &
  server_pid=$!
  port=
  for _ in $(seq 50); do
    port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/banner")
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  [[ -n "$port" ]] || amphora_die "amphora serve did not start: $(cat "$build/bench-messaging-serve.log")"
}

results=$work/results.jsonl
# run SCENARIO msgload-args...: one msgload run against a fresh server, its JSON line kept.
run() {
  local scenario=$1
  shift
  start_server
  local line
  line=$("$amphora" msgload --port "$port" --sources "$sources" --threads "$client_threads" \
    --server-pid "$server_pid" --json "$@") || [[ "$line" == '{'* ]] ||
    amphora_die "msgload $scenario failed: $line"  # lost deliveries (exit 1) are in the table
  stop_server
  echo "$line" | sed "s/^{/{\"scenario\":\"$scenario\",/" | tee -a "$results" >&2
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' + local changes')" >&2
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# hold A B: HOLD_CLIENTS subscribers in one server, half by a msgload on channel A and half by one on
# channel B at the same time (two client processes: each has at most `ulimit -Hn` descriptors). The
# server's RSS is read once it holds a descriptor per subscriber, then again 2 s later.
hold() {
  start_server
  local half=$((hold_clients / 2))
  local rss_before
  rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")
  local pids=()
  for part in a b; do
    local channel=$1
    shift
    "$amphora" msgload --port "$port" --sources "$sources" --channel "$channel" --clients "$half" \
      --messages 0 --hold 12 --json >"$work/hold-$part" 2>>"$build/bench-messaging-msgload.log" &
    pids+=($!)
  done
  for _ in $(seq 1200); do  # until the server holds them all (at most 120 s)
    (($(ls "/proc/$server_pid/fd" | wc -l) >= 2 * half)) && break
    sleep 0.1
  done
  sleep 2
  local rss_held
  rss_held=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")
  wait "${pids[@]}" || true
  stop_server
  # sum KEY: KEY's value in the two msgload reports, added.
  sum() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$work/hold-a" "$work/hold-b" | awk '{n += $1} END {print n + 0}'; }
  local held lost faults
  held=$(sum held)
  lost=$(sum lost)
  faults=$(($(sum faults) + $(sum setup_failed)))
  local channel
  channel=$(sed -n 's/.*"channel":"\([a-z]*\)".*/\1/p' "$work/hold-a" "$work/hold-b" | sort -u | paste -sd+)
  echo "{\"scenario\":\"hold\",\"channel\":\"$channel\",\"clients\":$((2 * half)),\"held\":$held,\"server_rss_before_mib\":$((rss_before / 1024)),\"server_rss_held_mib\":$((rss_held / 1024)),\"server_kib_per_client\":$(((rss_held - rss_before) / (held > 0 ? held : 1))),\"published\":0,\"deliveries\":0,\"expected\":0,\"deliveries_per_s\":0,\"p50_ms\":0,\"p99_ms\":0,\"max_ms\":0,\"server_cpu_us_per_delivery\":0,\"lost\":$lost,\"faults\":$faults}" |
    tee -a "$results" >&2
}

for channel in $channels; do
  hold "$channel" "$channel"
done
first=${channels%% *}
last=${channels##* }
[[ "$first" != "$last" ]] && hold "$first" "$last"
for channel in $channels; do
  run fanout --channel "$channel" --clients "$fanout_clients" --messages "$fanout_messages" --hold 1
  run latency --channel "$channel" --clients "$fanout_clients" --messages "$latency_messages" \
    --rate "$latency_rate" --hold 1
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$results" <<'PY'
import json, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
print("| scenario | channel | subscribers held | server RSS MiB (before, holding) | KiB/subscriber "
      "| messages | deliveries (of expected) | deliveries/s | p50 ms | p99 ms | max ms "
      "| server CPU us/delivery | lost, faults |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    deliveries = f"{r['deliveries']:,} ({r['expected']:,})" if r["published"] else "-"
    rate = f"{r['deliveries_per_s']:,.0f}" if r["published"] else "-"
    lat = lambda k: f"{r[k]:.2f}" if r["published"] else "-"
    print(f"| {r['scenario']} | {r['channel']} | {r['held']:,} of {r['clients']:,} "
          f"| {r['server_rss_before_mib']:.0f}, {r['server_rss_held_mib']:.0f} "
          f"| {r['server_kib_per_client']:.1f} | {r['published']} | {deliveries} | {rate} "
          f"| {lat('p50_ms')} | {lat('p99_ms')} | {lat('max_ms')} | {lat('server_cpu_us_per_delivery')} "
          f"| {r['lost']}, {r['faults']} |")
PY
