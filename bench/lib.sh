# What the server load benchmarks (bench/server, bench/messaging) share: build amphora, start and
# stop `amphora serve` on 127.0.0.1 (any free port), and the lines saying when, on what and at
# which load a run was made. Source it after scripts/lib.sh; it defines functions and runs nothing.
#   BUILD_DIR=...           build tree (default build/release)
#   SERVER=path/to/amphora  serve with another build (e.g. before a change); the load generators
#                           are always $BUILD_DIR's

# Builds $BUILD_DIR's amphora; sets bench_build, bench_amphora (the load generator) and
# bench_server (the binary that serves).
bench_build_amphora() {
  bench_build=${BUILD_DIR:-$AMPHORA_ROOT/build/release}
  cmake -S "$AMPHORA_ROOT" -B "$bench_build" -G Ninja "${AMPHORA_RELEASE_OPTIONS[@]}" >/dev/null
  cmake --build "$bench_build" -j "$AMPHORA_JOBS" --target amphora >/dev/null
  bench_amphora=$bench_build/apps/amphora/amphora
  bench_server=${SERVER:-$bench_amphora}
}

# A scratch directory (bench_work), removed at exit with the server stopped.
bench_work=
bench_server_pid=
bench_port=
bench_cleanup() {
  bench_stop_server
  [[ -n "$bench_work" ]] && rm -rf "$bench_work"
  return 0
}
bench_make_work() {
  bench_work=$(mktemp -d)
  trap bench_cleanup EXIT
}

# bench_start_program LOG PROGRAM COMMAND [args...]: `PROGRAM COMMAND --port 0 ARGS` in the
# background, stderr appended to LOG; sets bench_server_pid and bench_port once it prints its
# `listening on` line (at most 5 s). bench_stop_server stops it.
bench_start_program() {
  local log=$1 program=$2 command=$3
  shift 3
  "$program" "$command" --port 0 "$@" >"$bench_work/banner" 2>>"$log" &
  bench_server_pid=$!
  bench_port=
  for _ in $(seq 50); do
    bench_port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$bench_work/banner")
    [[ -n "$bench_port" ]] && return 0
    sleep 0.1
  done
  amphora_die "amphora $command did not start: $(tail -n 3 "$log")"
}

# bench_start_server LOG [serve args...]: `amphora serve --port 0 ARGS` (SERVER's binary), stderr
# to LOG (emptied first).
bench_start_server() {
  local log=$1
  shift
  : >"$log"
  bench_start_program "$log" "$bench_server" serve "$@"
}

bench_stop_server() {
  if [[ -n "$bench_server_pid" ]]; then
    kill -INT "$bench_server_pid" 2>/dev/null || true
    wait "$bench_server_pid" 2>/dev/null || true
    bench_server_pid=
  fi
}

# The date, the commit (and whether the tree has local changes), the machine and its load: to stderr.
bench_print_context() {
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$AMPHORA_ROOT" rev-parse --short HEAD 2>/dev/null ||
    echo '?')$(git -C "$AMPHORA_ROOT" diff --quiet HEAD 2>/dev/null || echo ' + local changes')" >&2
  echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
}
