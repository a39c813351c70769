#!/usr/bin/env python3
"""Turns codec_bench's JSON output into the Markdown table of docs/performance.md.

Usage: bench/perf_table.py RESULTS.json   (from codec_bench --benchmark_format=json
       --benchmark_repetitions=N; per-repetition rows give the median and the min-max spread)

For each payload and operation: median MB/s (10^6 bytes of AMF; JSON text for json_to_value),
the min-max MB/s over the repetitions, median messages/s, and the median MB/s as a fraction of the
memcpy of the same payload's AMF3 bytes measured in the same run.
"""
import json
import statistics
import sys

PAYLOADS = ["complex", "strings", "numbers", "small"]
OPERATIONS = ["decode_amf3", "decode_amf0", "encode_amf3", "encode_amf0", "json_to_value", "memcpy_amf3"]


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def collect(results):
    """name -> list of (MB/s, items/s) over repetitions; falls back to the median aggregate."""
    runs, medians = {}, {}
    for b in results["benchmarks"]:
        if "error_occurred" in b and b["error_occurred"]:
            sys.exit(f"{b['name']}: {b.get('error_message', 'error')}")
        name = b.get("run_name", b["name"])
        pair = (b["bytes_per_second"] / 1e6, b["items_per_second"])
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = [pair]
        else:
            runs.setdefault(name, []).append(pair)
    return runs or medians


def fmt(x):
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        results = json.load(f)
    runs = collect(results)
    ctx = results["context"]
    reps = max(len(v) for v in runs.values())
    print(f"- Machine: {ctx.get('num_cpus')} CPUs ({cpu_model()}), host {ctx.get('host_name')}, "
          f"load average {', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))} at the start")
    print(f"- Run: {ctx.get('date')}, {reps} repetitions per benchmark, "
          f"benchmark library built as {ctx.get('library_build_type')}")
    for p in PAYLOADS:
        if f"payload {p}" in ctx:
            print(f"- `{p}`: {ctx[f'payload {p}']}")
    print()
    print("| payload | operation | MB/s (median) | MB/s min-max | messages/s (median) | vs memcpy |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for p in PAYLOADS:
        base = runs.get(f"memcpy_amf3/{p}")
        base_mbs = statistics.median(r[0] for r in base) if base else None
        for op in OPERATIONS:
            r = runs.get(f"{op}/{p}")
            if not r:
                continue
            mbs = statistics.median(x[0] for x in r)
            ops = statistics.median(x[1] for x in r)
            spread = f"{fmt(min(x[0] for x in r))}-{fmt(max(x[0] for x in r))}"
            ratio = f"{mbs / base_mbs:.3f}" if base_mbs else "n/a"
            print(f"| {p} | {op} | {fmt(mbs)} | {spread} | {ops:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
