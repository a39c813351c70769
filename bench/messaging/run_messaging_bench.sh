#!/usr/bin/env bash
# The messaging load benchmark (docs/performance.md, "Messaging"): for each scenario, starts a fresh
# `amphora serve` on 127.0.0.1 (any free port, limits raised for 20,000 clients) and drives it
# with `amphora msgload` from the same machine, subscribers spread over the loopback source
# addresses 127.0.0.2-127.0.0.40. Prints one JSON line per run and a Markdown table: subscribers
# held, the server's RSS while holding them, deliveries/s, publish-to-deliver p50/p99, and the CPU
# time the server and msgload each spent per delivery. The same run measures the baseline: the
# fan-out (burst and sustained) and latency scenarios against `amphora fanout`, a bare fan-out
# server (no AMF, no framework: epoll, one write() per delivery) driven by the same msgload over the
# same WebSocket connections, with one and two event loops and with coalesced writes; every run's
# deliveries/s and p99 are also given as a ratio to the baseline's (see BASELINE).
#   bench/messaging/run_messaging_bench.sh
#   HOLD_CLIENTS=N          subscribers of the "hold" scenarios: by default as many as one server
#                           process can hold under the open-file limit (its hard limit less the
#                           descriptors the idle server has open, less a few), at most 20,000
#   HOLD_CHANNELS="longpoll websocket longpoll,streaming"
#                           the hold scenarios, each a msgload --channel (a list mixes channels);
#                           empty: none
#   BASELINES="1 2 2c"      the baseline servers: `amphora fanout --threads N` (Nc: with --coalesce);
#                           empty: none
#   BASELINE=2              the baseline the ratios are taken against (default: as many event
#                           loops as serve has I/O threads: THREADS, else the cores)
#   FANOUT_CLIENTS=10000    subscribers of the fan-out, sustained and latency scenarios
#   FANOUT_MESSAGES=20      messages of the fan-out scenarios (each published once the last is acked):
#                           a burst of 200,000 deliveries to 10,000 subscribers
#   SUSTAINED_MESSAGES=200  messages of the sustained fan-out scenarios (as fan-out, but long enough
#                           that the rate is the steady one and not the burst's start and tail)
#   FANOUT_PUBLISHERS="1"   publisher connections of the fan-out, sustained and latency scenarios, a
#                           run for each count of the list (msgload --publishers: they share the
#                           messages, each waits for its own acknowledgements; many producers); a
#                           count N > 1 names its scenarios "fanout, N publishers", "sustained, N
#                           publishers" and so on, and the baselines run with the same counts
#   LATENCY_RATE=2          messages/s of the latency scenarios, LATENCY_MESSAGES=20 of them
#   SCENARIOS="fanout sustained latency"  which of the fan-out, sustained fan-out and latency
#                           scenarios run (the hold scenarios: HOLD_CHANNELS)
#   RESULTS=FILE            also append each run's JSON line to FILE (bench/messaging/run_latency_sweep.sh)
#   CHANNELS="longpoll streaming websocket"  channels of the fan-out, sustained and latency scenarios
#   THREADS=N               serve's --threads (default: one I/O thread per core)
#   CLIENT_THREADS=1        msgload's --threads
#   BUILD_DIR, SERVER       as for every bench script (bench/lib.sh)
# Loopback only; every run is bounded by msgload's timeouts; the servers are always stopped.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
source "$AMPHORA_ROOT/bench/lib.sh"
cd "$AMPHORA_ROOT"

# One descriptor per connection: raise this shell's limit if it may (as root with
# CAP_SYS_RESOURCE); serve and msgload raise their soft limit to the hard one themselves.
ulimit -n 45000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fd_limit=$(ulimit -n)
fanout_clients=${FANOUT_CLIENTS:-10000}
fanout_messages=${FANOUT_MESSAGES:-20}
sustained_messages=${SUSTAINED_MESSAGES:-200}
latency_rate=${LATENCY_RATE:-2}
latency_messages=${LATENCY_MESSAGES:-20}
fanout_publishers=${FANOUT_PUBLISHERS:-1}
channels=${CHANNELS:-longpoll streaming websocket}
hold_channels=${HOLD_CHANNELS-longpoll websocket longpoll,streaming}
baselines=${BASELINES-1 2 2c}
reference=${BASELINE:-${THREADS:-$(nproc)}}
client_threads=${CLIENT_THREADS:-1}
scenarios=" ${SCENARIOS:-fanout sustained latency} "
sources=127.0.0.2-127.0.0.40
threads=()
[[ -n "${THREADS:-}" ]] && threads=(--threads "$THREADS")
bench_build_amphora
amphora=$bench_amphora
bench_make_work
work=$bench_work
log=$bench_build/bench-messaging-serve.log

# start_server MAX: a fresh server for up to MAX connections, parked polls and streams.
start_server() {
  bench_start_server "$log" "${threads[@]}" --log-level warn --max-connections "$1" --max-parked-polls "$1" \
    --max-streaming-clients "$1" --rate-limit 0
}
open_fds() { ls "/proc/$bench_server_pid/fd" | wc -l; }

# What one server can hold: the open-file limit less what the idle server has open (listener,
# event loop, log) and a few spare (a publisher, a moment's overlap).
start_server 100
idle_fds=$(open_fds)
bench_stop_server
most=$((fd_limit - idle_fds - 4))
hold_clients=${HOLD_CLIENTS:-$((most < 20000 ? most : 20000))}

results=$work/results.jsonl
# start_fanout ARGS...: the baseline, `amphora fanout --port 0 ARGS`, in the background (stopped
# like serve, by bench_stop_server).
start_fanout() {
  bench_start_program "$bench_build/bench-messaging-fanout.log" "$amphora" fanout "$@"
}

# run SCENARIO SERVER msgload-args...: one msgload run against a fresh server, its JSON line kept.
# SERVER is "serve" (amphora serve) or a baseline: N or Nc (amphora fanout --threads N, c: --coalesce).
run() {
  local scenario=$1 server=$2
  shift 2
  if [[ "$server" == serve ]]; then
    # Room for msgload's setup connections too: they are still counted by the server for a moment
    # after msgload closes them, and with only 100 to spare an upgrade could be refused (a 503 at
    # 250 subscribers: docs/performance.md, "Latency versus subscribers", sixth session).
    local room=$((2 * fanout_clients + 100))
    start_server $((room < most ? room : most))
  else
    local coalesce=()
    [[ "$server" == *c ]] && coalesce=(--coalesce)
    start_fanout --threads "${server%c}" "${coalesce[@]}" --frame-bytes "$frame_bytes"
  fi
  local line
  line=$("$amphora" msgload --port "$bench_port" --sources "$sources" --threads "$client_threads" \
    --server-pid "$bench_server_pid" --json "$@") || [[ "$line" == '{'* ]] ||
    amphora_die "msgload $scenario failed: $line"  # lost deliveries (exit 1) are in the table
  bench_stop_server
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  line=$(echo "$line" | sed "s/^{/{\"scenario\":\"$scenario\",\"server\":\"$server\",\"load\":$load,/")
  echo "$line" | tee -a "$results" >&2
  [[ -z "${RESULTS:-}" ]] || echo "$line" >>"$RESULTS"
}

# hold CHANNELS: HOLD_CLIENTS subscribers in one server, from two msgload processes at once, half
# each (a process has at most `ulimit -Hn` descriptors), each dealing its half over CHANNELS. The
# server's RSS is read once it holds a descriptor per subscriber, then again 2 s later.
hold() {
  start_server "$((hold_clients + 2))"
  local half=$((hold_clients / 2))
  local rss_before
  rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$bench_server_pid/status")
  local pids=()
  for part in a b; do
    "$amphora" msgload --port "$bench_port" --sources "$sources" --channel "$1" --clients "$half" \
      --messages 0 --hold 12 --json >"$work/hold-$part" 2>>"$bench_build/bench-messaging-msgload.log" &
    pids+=($!)
  done
  for _ in $(seq 1200); do  # until the server holds them all (at most 120 s)
    (($(open_fds) >= idle_fds + 2 * half)) && break
    sleep 0.1
  done
  sleep 2
  local rss_held fds_held
  rss_held=$(awk '/^VmRSS/ {print $2}' "/proc/$bench_server_pid/status")
  fds_held=$(open_fds)
  wait "${pids[@]}" || true
  bench_stop_server
  python3 - "$work/hold-a" "$work/hold-b" "$1" "$rss_before" "$rss_held" "$fds_held" "$fd_limit" <<'PY' |
import json, sys

a, b = (json.loads(open(p).read() or "{}") for p in sys.argv[1:3])
channel, before, held_kib, fds, limit = sys.argv[3], *map(int, sys.argv[4:])
total = lambda k: a.get(k, 0) + b.get(k, 0)
held = total("held")
row = {"scenario": "hold", "channel": channel.replace(",", "+"), "clients": total("clients"), "held": held,
       "server_rss_before_mib": before / 1024, "server_rss_held_mib": held_kib / 1024,
       "server_kib_per_client": (held_kib - before) / max(held, 1), "server_fds": fds, "fd_limit": limit,
       "published": 0, "lost": total("lost"), "faults": total("faults") + total("setup_failed")}
for k in ("held_longpoll", "held_streaming", "held_websocket"):
    row[k] = total(k)
print(json.dumps(row, separators=(",", ":")))
PY
    tee -a "$results" >&2
}

bench_print_context
echo "open-file limit $fd_limit; the idle server holds $idle_fds descriptors; hold scenarios: $hold_clients subscribers" >&2
for channel in $hold_channels; do
  hold "$channel"
done
fanout_args=(--clients "$fanout_clients" --messages "$fanout_messages" --hold 1)
sustained_args=(--clients "$fanout_clients" --messages "$sustained_messages" --hold 1)
latency_args=(--clients "$fanout_clients" --messages "$latency_messages" --rate "$latency_rate" --hold 1)
# fanout_and_latency SERVER msgload-args...: the fan-out, sustained fan-out and latency scenarios, for
# each publisher count.
fanout_and_latency() {
  local server=$1 publishers suffix
  shift
  for publishers in $fanout_publishers; do
    suffix=
    ((publishers > 1)) && suffix=", $publishers publishers"
    [[ "$scenarios" != *" fanout "* ]] ||
      run "fanout$suffix" "$server" "$@" --publishers "$publishers" "${fanout_args[@]}"
    [[ "$scenarios" != *" sustained "* ]] ||
      run "sustained$suffix" "$server" "$@" --publishers "$publishers" "${sustained_args[@]}"
    [[ "$scenarios" != *" latency "* ]] ||
      run "latency$suffix" "$server" "$@" --publishers "$publishers" "${latency_args[@]}"
  done
}
for channel in $channels; do
  fanout_and_latency serve --channel "$channel"
done
# The baseline pushes frames as large as serve's WebSocket frames (the bytes per delivery of the
# last WebSocket run; without one, the publisher's body as it is).
frame_bytes=$(python3 -c '
import json, sys
sizes = [r["bytes_per_delivery"] for r in map(json.loads, open(sys.argv[1]))
         if r.get("channel") == "websocket" and r.get("bytes_per_delivery", 0) > 0]
print(round(sizes[-1]) if sizes else 0)' "$results")
echo "baseline frames: $frame_bytes bytes of payload" >&2
for baseline in $baselines; do
  fanout_and_latency "$baseline" --channel websocket
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$results" "$reference" <<'PY'
import json, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
reference = sys.argv[2]
names = {"serve": "amphora serve"}
def server_name(s):
    if s in names or s is None:
        return names.get(s, "amphora serve")
    return f"fanout, {s.rstrip('c')} thread{'s' if s.rstrip('c') != '1' else ''}" + (", coalesced" if s.endswith("c") else "")
base = {r["scenario"]: r for r in rows if r.get("server") == reference}
def ratio(r):
    b = base.get(r["scenario"])
    if r["published"] == 0 or b is None or b.get("deliveries_per_s", 0) <= 0 or b.get("p99_ms", 0) <= 0:
        return "-"
    cpu = r.get("server_cpu_us_per_delivery", -1) / b["server_cpu_us_per_delivery"] \
        if b.get("server_cpu_us_per_delivery", 0) > 0 and r.get("server_cpu_us_per_delivery", -1) >= 0 else None
    return (f"{r['deliveries_per_s'] / b['deliveries_per_s']:.2f}x, {r['p99_ms'] / b['p99_ms']:.1f}x, "
            + (f"{cpu:.1f}x" if cpu is not None else "-"))
print(f"Ratios: deliveries/s, p99 and server CPU per delivery of each run divided by those of the same "
      f"scenario against the baseline {server_name(reference)} (one write per delivery).\n")
print("| scenario | server | channel | subscribers held | server RSS MiB (before, holding) | KiB/subscriber "
      "| messages | deliveries (of expected) | deliveries/s | p50 ms | p99 ms | max ms "
      "| vs baseline: deliveries/s, p99, server CPU/delivery | bytes/delivery "
      "| CPU us/delivery: server, msgload | cores busy: server, msgload | lost, faults |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    pub = r["published"] > 0
    dash = lambda text: text if pub else "-"
    deliveries = dash(f"{r.get('deliveries', 0):,} ({r.get('expected', 0):,})")
    lat = lambda k: dash(f"{r.get(k, 0):.2f}")
    cpu = dash(f"{r.get('server_cpu_us_per_delivery', 0):.1f}, {r.get('client_cpu_us_per_delivery', 0):.1f}")
    cores = dash(f"{r.get('server_cores', 0):.2f}, {r.get('client_cores', 0):.2f}")
    print(f"| {r['scenario']} | {server_name(r.get('server'))} | {r['channel']} | {r['held']:,} of {r['clients']:,} "
          f"| {r['server_rss_before_mib']:.0f}, {r['server_rss_held_mib']:.0f} "
          f"| {r['server_kib_per_client']:.1f} | {r['published']} | {deliveries} "
          f"| {dash(format(r.get('deliveries_per_s', 0), ',.0f'))} "
          f"| {lat('p50_ms')} | {lat('p99_ms')} | {lat('max_ms')} | {ratio(r)} "
          f"| {dash(format(r.get('bytes_per_delivery', 0), '.0f'))} | {cpu} | {cores} "
          f"| {r['lost']}, {r.get('faults', 0) + r.get('misordered', 0)} |")
PY
