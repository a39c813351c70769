#!/usr/bin/env python3
"""Markdown tables of one bench/compare run (docs/performance.md, "Side by side").

    compare_table.py RESULTS.tsv [MORE.tsv ...]

Reads the tab-separated lines of bench/compare.cpp and bench/peers/npm_peers.js (payload impl format
direction bytes runs median min q1 q3 max note; ops/s; '#' lines are comments) and prints: every
measurement, our figures with their ratio to each peer measured in the same run, and the issue #3
targets. MB/s = 10^6 bytes per second of the bytes one operation reads (decode, copy) or writes
(encode). Ratios are of median ops/s on the same payload.
"""
import sys

PAYLOADS = ["complex", "strings", "numbers", "small"]
OURS = [("amf3", "decode"), ("amf0", "decode"), ("amf3", "encode"), ("amf0", "encode")]


def read(paths):
    rows, comments = {}, []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                if line.startswith("#"):
                    comments.append(line[1:].strip())
                    continue
                cells = line.split("\t")
                cells += [""] * (12 - len(cells))
                payload, impl, fmt, direction, size, runs, med, lo, q1, q3, hi, note = cells[:12]
                r = {"bytes": int(size), "runs": int(runs), "note": note}
                if r["runs"] > 0:
                    r.update(median=float(med), min=float(lo), q1=float(q1), q3=float(q3), max=float(hi))
                rows[(payload, impl, fmt, direction)] = r
    return rows, comments


def ops(x):
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def mbs(r):
    return r["median"] * r["bytes"] / 1e6


def ratio(a, b):
    if not a or not b or "median" not in a or "median" not in b:
        return "n/a"
    x = a["median"] / b["median"]
    return f"{x:.2f}x" if x < 100 else f"{x:,.0f}x"


def measured(rows, payload, impl, fmt, direction):
    r = rows.get((payload, impl, fmt, direction))
    return r if r and "median" in r else None


def all_rows(rows):
    print("| payload | implementation | format | operation | bytes/op | ops/s (median) | ops/s min-max | IQR % "
          "| MB/s (median) | runs | note |")
    print("| --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- |")
    order = {p: i for i, p in enumerate(PAYLOADS)}
    for (payload, impl, fmt, direction), r in sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], 9),
                                                                                   kv[0][1] != "amphora")):
        head = f"| {payload} | {impl} | {fmt.upper()} | {direction} |"
        if "median" not in r:
            print(f"{head} - | - | - | - | - | 0 | {r['note']} |")
            continue
        iqr = 100 * (r["q3"] - r["q1"]) / r["median"]
        print(f"{head} {r['bytes']:,} | {ops(r['median'])} | {ops(r['min'])}-{ops(r['max'])} | {iqr:.1f} "
              f"| {mbs(r):,.0f} | {r['runs']} | {r['note']} |")


def ratios(rows):
    print("| payload | ours | ops/s | MB/s | vs simdjson DOM (JSON) | vs librtmp | vs bytearray-node | vs amf (npm) "
          "| share of memcpy MB/s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for payload in PAYLOADS:
        for fmt, direction in OURS:
            r = measured(rows, payload, "amphora", fmt, direction)
            if not r:
                continue
            simd = measured(rows, payload, "simdjson-dom", "json", "decode") if direction == "decode" else None
            rtmp = measured(rows, payload, "librtmp", fmt, direction)
            ban = measured(rows, payload, "bytearray-node", fmt, direction)
            amfjs = measured(rows, payload, "amf", fmt, direction)
            copy = measured(rows, payload, "memcpy", fmt, "copy")
            share = f"{mbs(r) / mbs(copy):.1%}" if copy else "n/a"
            print(f"| {payload} | {fmt.upper()} {direction} | {ops(r['median'])} | {mbs(r):,.0f} | {ratio(r, simd)} "
                  f"| {ratio(r, rtmp)} | {ratio(r, ban)} | {ratio(r, amfjs)} | {share} |")


def targets(rows):
    def m(payload, fmt, direction):
        return measured(rows, payload, "amphora", fmt, direction)

    checks = []
    a, b = m("complex", "amf3", "decode"), measured(rows, "complex", "simdjson-dom", "json", "decode")
    if a and b:
        checks.append(("AMF3 decode complex >= 2x simdjson DOM parses/s of complex.json",
                       a["median"] / b["median"], 2.0, "x"))
    a, b = m("complex", "amf0", "decode"), measured(rows, "complex", "librtmp", "amf0", "decode")
    if a and b:
        checks.append(("AMF0 decode complex >= 5x librtmp", a["median"] / b["median"], 5.0, "x"))
    for fmt in ("amf3", "amf0"):
        if a := m("complex", fmt, "encode"):
            checks.append((f"{fmt.upper()} encode complex >= 700 MB/s", mbs(a), 700.0, " MB/s"))
    for fmt, direction in OURS:
        if a := m("numbers", fmt, direction):
            checks.append((f"numbers {fmt.upper()} {direction} >= 2 GB/s", mbs(a), 2000.0, " MB/s"))
    for fmt, direction in OURS:
        if a := m("small", fmt, direction):
            checks.append((f"small {fmt.upper()} {direction} >= 2,000,000 ops/s", a["median"], 2e6, " ops/s"))
    print("| target | measured (median) | met |")
    print("| --- | ---: | --- |")
    for what, value, goal, unit in checks:
        shown = f"{value:.2f}x" if unit == "x" else f"{value:,.0f}{unit}"
        print(f"| {what} | {shown} | {'yes' if value >= goal else 'no'} |")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rows, comments = read(sys.argv[1:])
    for c in comments:
        print(f"<!-- {c} -->")
    print("\n### Targets (issue #3)\n")
    targets(rows)
    print("\n### Ours beside each peer (ratio of median ops/s, same payload, same run)\n")
    ratios(rows)
    print("\n### Every measurement\n")
    all_rows(rows)


if __name__ == "__main__":
    main()
