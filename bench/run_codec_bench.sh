#!/usr/bin/env bash
# Builds codec_bench optimized and prints the Markdown table of docs/performance.md.
#   bench/run_codec_bench.sh [REPETITIONS]      (default 5)
#   BUILD_DIR=...  build tree to use (default build/release, the tree scripts/run uses)
# Raw results stay in $BUILD_DIR/bench/codec_bench.json. The machine is shared: run it when it is quiet.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$AMPHORA_ROOT"

build=${BUILD_DIR:-$AMPHORA_ROOT/build/release}
reps=${1:-5}
cmake -S "$AMPHORA_ROOT" -B "$build" -G Ninja "${AMPHORA_RELEASE_OPTIONS[@]}" >/dev/null
cmake --build "$build" -j "$AMPHORA_JOBS" --target codec_bench >/dev/null

results=$build/bench/codec_bench.json
"$build/bench/codec_bench" --benchmark_repetitions="$reps" --benchmark_min_time=0.3 \
  --benchmark_out="$results" --benchmark_out_format=json >&2
python3 bench/perf_table.py "$results"
