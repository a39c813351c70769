#!/usr/bin/env python3
"""Turns msgload's JSON lines from bench/messaging/run_latency_sweep.sh into the Markdown table of
docs/performance.md ("Latency versus subscribers").

Usage: bench/messaging/latency_table.py [RESULTS.jsonl]   (default: standard input; the lines of
       run_messaging_bench.sh's latency scenarios: msgload --json with "scenario", "server", "load")

A row per run, ordered by server, channel and subscribers: publish-to-deliver p50/p90/p99/max over
every delivery; the median over the messages of the time from a publish to its first and to its
last delivery (and the largest time to the last); the server's CPU per delivery and per published
message (per delivery times the subscribers: what pushing one message to all of them costs, spread
over the server's threads). Then, for each server and channel, the most subscribers whose p99 was
under 10 ms (issue #5's target).
"""
import json
import sys

TARGET_MS = 10.0


def server_name(server):
    if server in (None, "serve"):
        return "amphora serve"
    threads = server.rstrip("c")
    return f"fanout --threads {threads}" + (" --coalesce" if server.endswith("c") else "")


def row_key(r):
    return (r.get("server") != "serve", r.get("server", ""), r["channel"], r["clients"])


def main():
    source = open(sys.argv[1], encoding="utf-8") if len(sys.argv) > 1 else sys.stdin
    rows = sorted((json.loads(line) for line in source if line.startswith("{")), key=row_key)
    print("| server | channel | subscribers | p50 ms | p90 ms | p99 ms | max ms "
          "| to first delivery ms | to last delivery ms (max) | server CPU us/delivery "
          "| server CPU ms/message | deliveries (of expected) | load |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    best = {}
    for r in rows:
        name = (server_name(r.get("server")), r["channel"])
        cpu = r.get("server_cpu_us_per_delivery", -1)
        per_message = f"{cpu * r['held'] / 1000:.1f}" if cpu >= 0 else "-"
        print(f"| {name[0]} | {name[1]} | {r['held']:,} | {r['p50_ms']:.2f} | {r.get('p90_ms', 0):.2f} "
              f"| {r['p99_ms']:.2f} | {r['max_ms']:.2f} | {r.get('first_delivery_ms', 0):.2f} "
              f"| {r.get('last_delivery_ms', 0):.2f} ({r.get('last_delivery_max_ms', 0):.2f}) "
              f"| {cpu:.2f} | {per_message} | {r['deliveries']:,} ({r['expected']:,}) | {r.get('load', '-')} |")
        best.setdefault(name, 0)
        if r["p99_ms"] < TARGET_MS and r["deliveries"] == r["expected"] and r["expected"] > 0:
            best[name] = max(best[name], r["held"])
    print()
    for (server, channel), most in best.items():
        met = f"up to {most:,} subscribers" if most else "at none of these counts"
        print(f"- {server}, {channel}: p99 under {TARGET_MS:g} ms {met}")


if __name__ == "__main__":
    main()
