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
    "envelope_fuzz": [(1, ["label"]), (0, ["envelope"]), (2, ["envelope"])],
}


# trustee_body_fuzz: 0 = a /v1/decrypt body, 1 = a /v1/ceremony body (the harness has begun a
# refresh with ceremony id 00112233...), 2 = log query numbers.
CEREMONY = "00112233445566778899aabbccddeeff"
TRUSTEE_BODY_SEEDS = [
    b'\x00{"request": "00"}',
    b'\x00{"request": "' + b"ab" * 64 + b'"}',
    b'\x00{"request": 1}',
    b"\x00[]",
    b'\x01{"action": "round", "ceremony": "' + CEREMONY.encode() + b'", "messages": [{"to": 2, "message": "'
    b"44524d540113" + b"00" * 120 + b'"}]}',
    b'\x01{"action": "finish", "ceremony": "' + CEREMONY.encode() + b'"}',
    b'\x01{"action": "begin", "ceremony": "' + CEREMONY.encode() + b'", "protocol": "gjkr", "k": 2, '
    b'"roster": [{"trustee": 1, "ed25519": "00", "x25519": "00"}]}',
    b"\x02" + bytes(8) + bytes([0, 0, 0, 0, 0, 0, 0, 5]),
    b"\x02" + b"\xff" * 16,
]

# trustee_reply_fuzz: byte 0 picks the status (0 mod 4: 400, else 200), the rest is a trustee's reply.
TRUSTEE_REPLY_SEEDS = [
    b'\x01{"trustee": 2, "sealed_response": "' + b"00" * 120 + b'"}',
    b'\x00{"error": "warrant_refused", "reason": "expired", "trustee": 2}',
    b'\x01{"trustee": 1, "ed25519": "' + b"11" * 32 + b'", "x25519": "' + b"22" * 32 + b'", "log_size": 3, "has_key": true}',
    b'\x01{"trustee": 1, "tree_head": "' + b"00" * 120 + b'"}',
    b'\x01{"from": 1, "to": 3, "proof": ["' + b"33" * 32 + b'", "' + b"44" * 32 + b'"]}',
]


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
    # dkg_fuzz: every message of the dkg run vectors, its selector byte picking its decoder (by
    # type byte) and, in bits 4..6, how many rounds the harness closes first (its round's place).
    rounds = ["deal", "complain", "justify", "extract", "extract_complain", "reveal"]
    decoder = {0x0d: 0, 0x0e: 1, 0x0f: 2, 0x10: 3, 0x11: 4, 0x12: 5}
    dkg_dir = os.path.join(vectors, "dkg")
    for f in sorted(os.listdir(dkg_dir)) if os.path.isdir(dkg_dir) else []:
        for name, value in fields(os.path.join(dkg_dir, f)):
            if not name.startswith("messages_") or name[len("messages_"):] not in rounds:
                continue
            for item in filter(None, value.split(",")):
                blob = bytes.fromhex(item)
                selector = decoder[blob[5]] | (rounds.index(name[len("messages_"):]) << 4)
                with open(os.path.join(out, "dkg_fuzz", f"{count:05d}"), "wb") as fh:
                    fh.write(bytes([selector]) + blob)
                count += 1
    for seed in TRUSTEE_REPLY_SEEDS:
        os.makedirs(os.path.join(out, "trustee_reply_fuzz"), exist_ok=True)
        with open(os.path.join(out, "trustee_reply_fuzz", f"{count:05d}"), "wb") as fh:
            fh.write(seed)
        count += 1
    for seed in TRUSTEE_BODY_SEEDS:
        os.makedirs(os.path.join(out, "trustee_body_fuzz"), exist_ok=True)
        with open(os.path.join(out, "trustee_body_fuzz", f"{count:05d}"), "wb") as fh:
            fh.write(seed)
        count += 1
    print(f"{count} seeds written under {out}")


if __name__ == "__main__":
    sys.exit(main())
