#!/usr/bin/env python3
"""Writes seed corpora for the fuzzers of fuzz/.

    make_seeds.py golden --golden-dir tests/data --out build/x/fuzz/seeds [--examples-dir examples/data]
                         [--payload-dir ../shared/payloads]

OUT/<target>/ gets one file per golden vector (tests/data/*.golden): amf0, amf3 and packet get the
`hex` bytes of amf0.golden, amf3.golden, packet.golden (gateway the packets too, delivery the AMF3
values); roundtrip the same bytes after the format
byte the round-trip fuzzer reads first (0 AMF3, 1 AMF0, 2 packet); json every `json` text, plus
the small JSON payloads. The samples of the examples dir join them by extension (.amf0, .amf3, .amf
for packets, .json). OUT is emptied first, so a vector removed from the golden files leaves no
seed behind. The build runs this (fuzz/CMakeLists.txt).

    make_seeds.py payloads --amphora build/release/apps/amphora/amphora --payload-dir ../shared/payloads \
                           --out fuzz/corpus

encodes the small payloads with our encoder and writes them as payload-* seeds into the committed fuzz/corpus/<target>/ (other files there are kept).

    make_seeds.py gateway --amphora build/release/apps/amphora/amphora --out fuzz/corpus

writes the gateway fuzzer's seeds into fuzz/corpus/gateway/: Flex requests (ping, subscribe,
MULTI_SUBSCRIBE, publish and poll, login, logout, disconnect, a RemotingMessage) and a
NetConnection call with a Credentials header, encoded by amphora from JSON. Their DSId is the
placeholder the fuzzer replaces with an issued one (gateway_fuzz.cpp).
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys

# golden file stem -> (decode target, format byte of the round-trip fuzzer)
FORMATS = {"amf3": ("amf3", 0), "amf0": ("amf0", 1), "packet": ("packet", 2)}
# examples/data/ file extension -> format
EXAMPLES = {".amf3": "amf3", ".amf0": "amf0", ".amf": "packet"}
# Payloads small enough to be useful JSON seeds (libFuzzer mutates small inputs best).
JSON_PAYLOADS = ("small.json", "complex.json")


def read_golden(path):
    """Yields (name, fields) per [section]; `hex` and `json` lines are concatenated."""
    name, fields = None, {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            if name is not None:
                yield name, fields
            name, fields = line[1:-1].strip(), {}
            continue
        key, sep, value = line.partition("=")
        if not sep or name is None:
            sys.exit(f"{path}:{number}: expected [name] or key = value")
        key, value = key.strip(), value.strip()
        if key in ("hex", "json"):
            fields[key] = fields.get(key, "") + value
        else:
            fields[key] = value
    if name is not None:
        yield name, fields


def safe(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def write_seed(out, counts, target, name, data):
    (out / target).mkdir(parents=True, exist_ok=True)
    (out / target / name).write_bytes(data)
    counts[target] = counts.get(target, 0) + 1


def golden_seeds(args):
    if args.out.exists():
        shutil.rmtree(args.out)
    counts = dict.fromkeys(("amf0", "amf3", "packet", "json", "roundtrip", "gateway", "delivery"), 0)
    for target in counts:
        (args.out / target).mkdir(parents=True)

    for golden in sorted(args.golden_dir.glob("*.golden")):
        target, format_byte = FORMATS.get(golden.stem, (None, None))
        for name, fields in read_golden(golden):
            seed = f"{golden.stem}-{safe(name)}"
            if target and "hex" in fields:
                try:
                    data = bytes.fromhex(fields["hex"])
                except ValueError:
                    sys.exit(f"{golden}: [{name}]: hex is not hexadecimal")
                write_seed(args.out, counts, target, seed, data)
                write_seed(args.out, counts, "roundtrip", seed, bytes([format_byte]) + data)
                if target == "packet":
                    write_seed(args.out, counts, "gateway", seed, data)
                if target == "amf3":
                    write_seed(args.out, counts, "delivery", seed, data)
            if "json" in fields:
                write_seed(args.out, counts, "json", seed + ".json", fields["json"].encode("utf-8"))

    for path in sorted(args.examples_dir.glob("*") if args.examples_dir else []):
        seed = "example-" + path.name
        if path.suffix in EXAMPLES:
            fmt = EXAMPLES[path.suffix]
            write_seed(args.out, counts, fmt, seed, path.read_bytes())
            write_seed(args.out, counts, "roundtrip", seed, bytes([FORMATS[fmt][1]]) + path.read_bytes())
            if fmt == "packet":
                write_seed(args.out, counts, "gateway", seed, path.read_bytes())
            if fmt == "amf3":
                write_seed(args.out, counts, "delivery", seed, path.read_bytes())
        elif path.suffix == ".json":
            write_seed(args.out, counts, "json", seed, path.read_bytes())

    if args.payload_dir:
        for payload in JSON_PAYLOADS:
            path = args.payload_dir / payload
            if path.is_file():
                write_seed(args.out, counts, "json", "payload-" + payload, path.read_bytes())

    (args.out / "stamp").write_text(" ".join(f"{t}={n}" for t, n in counts.items()) + "\n")
    print("fuzz seeds:", ", ".join(f"{n} {t}" for t, n in counts.items()))


def payload_seeds(args):
    def encode(fmt, path):
        run = subprocess.run([str(args.amphora), "encode", "--" + fmt, str(path)], capture_output=True)
        if run.returncode != 0:
            sys.exit(f"amphora encode --{fmt} {path} failed: {run.stderr.decode(errors='replace')}")
        return run.stdout

    counts = {}
    for payload in JSON_PAYLOADS:
        path = args.payload_dir / payload
        stem = "payload-" + path.stem
        for fmt in ("amf3", "amf0"):
            data = encode(fmt, path)
            write_seed(args.out, counts, fmt, f"{stem}.{fmt}", data)
            write_seed(args.out, counts, "roundtrip", f"{stem}.{fmt}", bytes([FORMATS[fmt][1]]) + data)
    print("payload seeds:", ", ".join(f"{n} {t}" for t, n in counts.items()))


GATEWAY_DS_ID = "DSID0000-FUZZ-4000-8000-PLACEHOLDER0"  # gateway_fuzz.cpp's placeholder


def gateway_requests():
    """(name, packet as JSON) of the gateway seeds."""
    def message(cls, **fields):
        base = {"$class": "flex.messaging.messages." + cls, "body": None, "clientId": None,
                "destination": "", "headers": {}, "messageId": "0C4D2B1A-0000-4000-8000-000000000001",
                "timeToLive": 0, "timestamp": 0}
        base.update(fields)
        return {"$amf3": base}

    def command(op, headers, **fields):
        return message("CommandMessage", operation=op, correlationId="", headers=headers, **fields)

    def flex(*messages):
        return {"version": 3, "headers": [],
                "bodies": [{"target": "null", "response": f"/{i + 1}", "value": [m]} for i, m in enumerate(messages)]}

    d = GATEWAY_DS_ID
    subscribe = command(0, {"DSId": d}, destination="chat", clientId="sub-1")
    return {
        "ping": flex(command(5, {"DSId": "nil", "DSMessagingVersion": 1})),
        "subscribe": flex(command(0, {"DSId": d, "DSSubtopic": "news.sports",
                                      "DSSelector": "priority > 3 AND name LIKE 'a%'"},
                                  destination="chat", clientId="sub-1")),
        "subscribe-unsubscribe": flex(subscribe, command(1, {"DSId": d}, destination="chat", clientId="sub-1")),
        "multi-subscribe": flex(command(11, {"DSId": d, "DSAddSub": ["a_;_x = 1", "b_;_", "c.*_;_y IN ('p','q')"],
                                             "DSRemSub": ["b_;_"]}, destination="chat", clientId="multi-1")),
        "publish-poll": flex(subscribe, message("AsyncMessage", body="hello", destination="chat",
                                                headers={"DSId": d, "DSSubtopic": "a", "priority": 5}),
                             command(2, {"DSId": d})),
        "login-logout": flex(command(8, {"DSId": d, "DSCredentialsCharset": "UTF-8"}, body="YWxpY2U6c2VjcmV0"),
                             command(9, {"DSId": d})),
        "login-wrong": flex(command(8, {"DSId": "nil"}, body="YWxpY2U6d3Jvbmc=")),
        "disconnect": flex(command(12, {"DSId": d})),
        "remoting-echo": flex(message("RemotingMessage", body=["hi", 1, {"a": [1, 2]}], destination="EchoService",
                                      operation="echo", source=None, headers={"DSId": d})),
        "netconnection-credentials": {
            "version": 0,
            "headers": [{"name": "Credentials", "mustUnderstand": False,
                         "value": {"userid": "alice", "password": "secret"}}],
            "bodies": [{"target": "EchoService.echo", "response": "/1", "value": ["x"]},
                       {"target": "EchoService.add", "response": "/2", "value": [1, 2]}]},
    }


def gateway_seeds(args):
    out = args.out / "gateway"
    out.mkdir(parents=True, exist_ok=True)
    for name, packet in gateway_requests().items():
        run = subprocess.run([str(args.amphora), "encode", "--packet", "-o", str(out / (name + ".amf")), "-"],
                             input=json.dumps(packet).encode(), capture_output=True)
        if run.returncode != 0:
            sys.exit(f"amphora encode --packet ({name}) failed: {run.stderr.decode(errors='replace')}")
    print("gateway seeds:", len(gateway_requests()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    golden = commands.add_parser("golden", help="seeds from the golden vectors (run by the build)")
    golden.add_argument("--golden-dir", type=pathlib.Path, required=True)
    golden.add_argument("--examples-dir", type=pathlib.Path)
    golden.add_argument("--payload-dir", type=pathlib.Path)
    golden.add_argument("--out", type=pathlib.Path, required=True)
    payloads = commands.add_parser("payloads", help="payloads encoded by amphora, for fuzz/corpus/")
    payloads.add_argument("--amphora", type=pathlib.Path, required=True)
    payloads.add_argument("--payload-dir", type=pathlib.Path, required=True)
    payloads.add_argument("--out", type=pathlib.Path, required=True)
    gateway = commands.add_parser("gateway", help="Flex and NetConnection requests, for fuzz/corpus/gateway/")
    gateway.add_argument("--amphora", type=pathlib.Path, required=True)
    gateway.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()
    {"golden": golden_seeds, "payloads": payload_seeds, "gateway": gateway_seeds}[args.command](args)


if __name__ == "__main__":
    main()
