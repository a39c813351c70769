#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora from the golden vectors (tests/data/*.golden).

    make_seeds.py --golden-dir tests/data --out build/x/fuzz/seeds [--payload-dir ../shared/payloads]

OUT/<target>/ gets one file per vector, for the targets of fuzz/: amf0, amf3 and packet (the
`hex` bytes of amf0.golden, amf3.golden, packet.golden), roundtrip (the same bytes after the
format byte the round-trip fuzzer reads first: 0 AMF3, 1 AMF0, 2 packet) and json (every `json`
text, plus the small JSON payloads). OUT is emptied first, so a vector that is removed from the
golden files leaves no seed behind. The build runs this (fuzz/CMakeLists.txt); seeds that need
our encoder (the payloads as AMF) are committed in fuzz/corpus/ instead.
"""
import argparse
import pathlib
import re
import shutil
import sys

# golden file stem -> (decode target, format byte of the round-trip fuzzer)
FORMATS = {"amf3": ("amf3", 0), "amf0": ("amf0", 1), "packet": ("packet", 2)}
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golden-dir", type=pathlib.Path, required=True)
    parser.add_argument("--payload-dir", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()

    if args.out.exists():
        shutil.rmtree(args.out)
    targets = ("amf0", "amf3", "packet", "json", "roundtrip")
    for target in targets:
        (args.out / target).mkdir(parents=True)

    counts = dict.fromkeys(targets, 0)

    def write(target, name, data):
        (args.out / target / name).write_bytes(data)
        counts[target] += 1

    for golden in sorted(args.golden_dir.glob("*.golden")):
        target, format_byte = FORMATS.get(golden.stem, (None, None))
        for name, fields in read_golden(golden):
            seed = f"{golden.stem}-{safe(name)}"
            if target and "hex" in fields:
                try:
                    data = bytes.fromhex(fields["hex"])
                except ValueError:
                    sys.exit(f"{golden}: [{name}]: hex is not hexadecimal")
                write(target, seed, data)
                write("roundtrip", seed, bytes([format_byte]) + data)
            if "json" in fields:
                write("json", seed + ".json", fields["json"].encode("utf-8"))

    if args.payload_dir:
        for payload in JSON_PAYLOADS:
            path = args.payload_dir / payload
            if path.is_file():
                write("json", "payload-" + payload, path.read_bytes())

    (args.out / "stamp").write_text(" ".join(f"{t}={counts[t]}" for t in targets) + "\n")
    print("fuzz seeds:", ", ".join(f"{counts[t]} {t}" for t in targets))


if __name__ == "__main__":
    main()
