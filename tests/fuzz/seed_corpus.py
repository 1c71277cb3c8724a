#!/usr/bin/env python3
"""Writes a seed corpus per fuzz target from tests/vectors/ (docs/SECURITY.md).

usage: seed_corpus.py VECTOR_DIR OUT_DIR
The first byte of a seed picks the parser inside a target, as the targets do.
"""
import os
import sys

# target -> [(selector byte, vector field names)]
SEEDS = {
    "tdh2_fuzz": [(0, ["ciphertext"]), (1, ["partial", "partials"]), (2, ["public_key"]), (3, ["key_share", "key_shares"])],
    "envelope_fuzz": [(1, ["label"]), (0, ["envelope"])],
}


def fields(path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if "=" in line and not line.startswith("#"):
                k, _, v = line.partition("=")
                yield k.strip(), v.strip()


def main():
    vectors, out = sys.argv[1], sys.argv[2]
    count = 0
    for target, wanted in SEEDS.items():
        os.makedirs(os.path.join(out, target), exist_ok=True)
        for root, _, files in os.walk(vectors):
            for f in files:
                if not f.endswith(".vec"):
                    continue
                for name, value in fields(os.path.join(root, f)):
                    for selector, names in wanted:
                        if name in names:
                            for item in value.split(","):
                                try:
                                    blob = bytes([selector]) + bytes.fromhex(item)
                                except ValueError:
                                    continue
                                with open(os.path.join(out, target, f"{count:05d}"), "wb") as fh:
                                    fh.write(blob)
                                count += 1
    os.makedirs(os.path.join(out, "vector_file_fuzz"), exist_ok=True)
    for root, _, files in os.walk(vectors):
        for f in files:
            if f.endswith(".vec"):
                with open(os.path.join(root, f), "rb") as src, open(os.path.join(out, "vector_file_fuzz", f"{count:05d}"), "wb") as dst:
                    dst.write(src.read())
                count += 1
    for target in ("warrant_fuzz", "request_fuzz", "dkg_fuzz"):
        os.makedirs(os.path.join(out, target), exist_ok=True)
    print(f"{count} seeds written under {out}")


if __name__ == "__main__":
    sys.exit(main())
